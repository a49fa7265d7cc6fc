package session

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"gopkg.in/ini.v1"

	"github.com/kagi-cli/kagi/awsx"
)

// Rotate's types, its journal, and the two places a long-term key can live (see rotate.go for the design).

// RotateOptions configure Rotate.
type RotateOptions struct {
	Profile string // a source profile, or a role profile (its source's key is rotated)
	// IAM builds the IAM client for the user's own calls from SelfService credentials.
	IAM func(aws.CredentialsProvider) awsx.AccessKeysAPI
	// Delete deletes the old key without asking; otherwise Confirm (if set) is asked, and without a yes the
	// old key stays inactive.
	Delete  bool
	Confirm func(ctx context.Context, oldID string) (bool, error)
	// DeleteOther deletes an inactive second key that would exceed the 2-key limit (--delete-inactive).
	DeleteOther bool
	Wait        awsx.Waiter             // how long and how to wait for AWS to accept the new key
	Hook        func(step string) error // tests: called at each of RotateHookPoints; an error stops Rotate there
	Progress    func(msg string)        // one sentence per notable event (resume, roll-back, waiting)
}

// RotateResult says what Rotate did.
type RotateResult struct {
	Profile      string
	Store        string // where the key lives: "the keyring (file)" or the credentials file's path
	OldID, NewID string
	Resumed      string // the step an interrupted rotation was resumed from; "" for a fresh one
	RolledBack   string // a new key of an interrupted rotation that was deleted, unusable or orphaned
	DeletedOther string // the inactive second key deleted first (DeleteOther)
	OldDeleted   bool   // false: the old key is kept, inactive
	Notes        []string
}

// Rotation steps, in order; the journal records the last one completed.
const (
	stepCreating    = "creating"    // about to call CreateAccessKey (its outcome is unknown after a crash)
	stepCreated     = "created"     // the new key exists in IAM; its secret is only in memory
	stepStored      = "stored"      // the new key is stored as the pending key, next to the old one
	stepVerified    = "verified"    // AWS accepted the new key
	stepSwapped     = "swapped"     // the new key is the profile's key; the pending copy is gone
	stepDeactivated = "deactivated" // the old key is inactive
	stepDeleted     = "deleted"     // the old key is deleted (the journal is removed right after)
)

// RotateHookPoints are the names RotateOptions.Hook is called with, in order: each step right after its
// action, before the journal records it, then step+"/saved" right after the journal records it.
func RotateHookPoints() []string {
	var out []string
	for _, s := range []string{stepCreating, stepCreated, stepStored, stepVerified, stepSwapped, stepDeactivated} {
		out = append(out, s, s+"/saved")
	}
	return append(out, stepDeleted)
}

// rotateJournal is the on-disk record of a rotation in progress. It holds key IDs and step names, never a
// secret: the new secret goes straight into the store the old key is in.
type rotateJournal struct {
	Version int       `json:"version"`
	Profile string    `json:"profile"`
	Store   string    `json:"store"` // homeKeyring or homeCredentials
	Step    string    `json:"step"`
	OldID   string    `json:"old_id"`
	NewID   string    `json:"new_id,omitempty"`
	Before  []string  `json:"keys_before"` // the user's key IDs when the rotation started
	Started time.Time `json:"started"`
	Updated time.Time `json:"updated"`
}

// journalPath is rotate-<hash of the profile name>.json in the state directory.
func journalPath(dirs Dirs, profile string) string {
	sum := sha256.Sum256([]byte(profile))
	return filepath.Join(dirs.State, "rotate-"+hex.EncodeToString(sum[:8])+".json")
}

// readJournal returns the journal at path, nil if there is none.
func readJournal(path, profile string) (*rotateJournal, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the rotation journal %s: %w", path, err)
	}
	var j rotateJournal
	if err := json.Unmarshal(data, &j); err != nil || j.Version != 1 || j.Profile != profile || j.OldID == "" || j.Step == "" {
		return nil, fmt.Errorf("the rotation journal %s of profile %q is damaged; check your keys with 'kagi keys list', then delete the file", path, profile)
	}
	return &j, nil
}

func (j *rotateJournal) save(path, step string, now time.Time) error {
	j.Step, j.Updated = step, now
	data, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	if err := ensureDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("cannot create %s: %w", filepath.Dir(path), err)
	}
	return WriteFileAtomic(path, data, 0o600)
}

func removeJournal(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot remove the rotation journal: %w", err)
	}
	return nil
}

// Where a profile's long-term key lives.
const (
	homeKeyring     = "keyring"
	homeCredentials = "credentials-file"
)

// pendingSuffix names the second item (keyring) or section (credentials file) that holds the new key
// while it is not yet verified.
const pendingSuffix = "#kagi-rotate-pending"

// keyHome is where a profile's key lives: its primary key and, during a rotation, the pending one.
type keyHome interface {
	kind() string
	String() string
	primary() (LongTermKey, error) // ErrNotFound if none
	pending() (LongTermKey, bool, error)
	putPending(k LongTermKey) error // stores k and reads it back
	// promote makes k the primary key and removes the pending one. It is idempotent; on failure the
	// primary key is old again (or still).
	promote(k, old LongTermKey) error
	dropPending() error
}

type keyringHome struct {
	s       *Store
	profile string
}

func (h keyringHome) kind() string   { return homeKeyring }
func (h keyringHome) String() string { return "the keyring (" + h.s.Backend() + ")" }

func (h keyringHome) primary() (LongTermKey, error) { return h.s.Key(h.profile) }

func (h keyringHome) pending() (LongTermKey, bool, error) {
	k, err := h.s.Key(h.profile + pendingSuffix)
	if errors.Is(err, ErrNotFound) {
		return k, false, nil
	}
	return k, err == nil, err
}

func (h keyringHome) putPending(k LongTermKey) error {
	return h.s.PutKeyVerified(h.profile+pendingSuffix, k)
}

func (h keyringHome) promote(k, old LongTermKey) error {
	if err := h.s.PutKeyVerified(h.profile, k); err != nil {
		if old.Valid() {
			_ = h.s.PutKey(h.profile, old)
		}
		return err
	}
	return h.dropPending()
}

func (h keyringHome) dropPending() error {
	if err := h.s.RemoveKey(h.profile + pendingSuffix); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// credentialsHome is [profile] in the shared credentials file. The pending key is a section
// [profile#kagi-rotate-pending] appended at the end of the file and later cut out line by line, so the file
// ends up as it was but for the two key lines. Every write replaces the file atomically (0600) and leaves
// no backup: a backup would keep a plaintext secret on disk.
type credentialsHome struct {
	path    string
	profile string
}

func (h credentialsHome) kind() string   { return homeCredentials }
func (h credentialsHome) String() string { return h.path }

func (h credentialsHome) key(section string) (LongTermKey, bool, error) {
	c, err := LoadCredentials(h.path)
	if err != nil {
		return LongTermKey{}, false, err
	}
	k, ok := c.Key(section)
	return k, ok, nil
}

func (h credentialsHome) primary() (LongTermKey, error) {
	k, ok, err := h.key(h.profile)
	if err == nil && !ok {
		err = ErrNotFound
	}
	return k, err
}

func (h credentialsHome) pending() (LongTermKey, bool, error) {
	return h.key(h.profile + pendingSuffix)
}

func (h credentialsHome) putPending(k LongTermKey) error {
	pending := h.profile + pendingSuffix
	err := h.rewrite(func(path string, data []byte) ([]byte, error) {
		out, err := withoutSection(path, data, pending)
		if err != nil {
			return nil, err
		}
		eol := lineEnd(data)
		if len(out) > 0 && out[len(out)-1] != '\n' {
			out = append(out, eol...)
		}
		return append(out, "["+pending+"]"+eol+"aws_access_key_id = "+k.AccessKeyID+eol+"aws_secret_access_key = "+k.SecretAccessKey+eol...), nil
	})
	if got, ok, rerr := h.key(pending); err == nil && (rerr != nil || !ok || got != k) {
		err = fmt.Errorf("%s did not keep the new access key of profile %q; check the file and try again", h.path, h.profile)
	}
	return err
}

func (h credentialsHome) promote(k, _ LongTermKey) error {
	// One atomic write sets the key of [profile] and removes the pending section: there is no moment when
	// the file holds neither a working key nor the pending one.
	err := h.rewrite(func(path string, data []byte) ([]byte, error) {
		rest, err := withoutSection(path, data, h.profile+pendingSuffix)
		if err != nil {
			return nil, err
		}
		return replaceKeyLines(path, rest, h.profile, k, false)
	})
	if got, rerr := h.primary(); err == nil && (rerr != nil || got != k) {
		err = fmt.Errorf("%s did not keep the new access key of profile %q; check the file", h.path, h.profile)
	}
	return err
}

func (h credentialsHome) dropPending() error {
	return h.rewrite(func(path string, data []byte) ([]byte, error) {
		return withoutSection(path, data, h.profile+pendingSuffix)
	})
}

// rewrite replaces the file with change(its content), atomically, unless nothing changed.
func (h credentialsHome) rewrite(change func(path string, data []byte) ([]byte, error)) error {
	path := resolveLink(h.path)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot update %s: %w", path, err)
	}
	out, err := change(path, data)
	if err != nil || bytes.Equal(out, data) {
		return err
	}
	return WriteFileAtomic(path, out, 0o600)
}

// withoutSection cuts the lines of [name], from its header to the next header, out of data, and checks
// that the rest parses to what it said before.
func withoutSection(path string, data []byte, name string) ([]byte, error) {
	var b bytes.Buffer
	for _, l := range splitLines(data) {
		if l.sec != name {
			b.WriteString(l.raw)
		}
	}
	out := b.Bytes()
	if len(out) == len(data) {
		return data, nil
	}
	before, err := parseINI(path, data)
	if err != nil {
		return nil, err
	}
	before.DeleteSection(name)
	after, err := parseINI(path, out)
	if err != nil || !maps.EqualFunc(snapshot(after), snapshot(before), maps.Equal) {
		return nil, fmt.Errorf("%s: cannot remove section [%s] without changing other lines; delete it by hand", path, name)
	}
	return out, nil
}

func lineEnd(data []byte) string {
	if i := bytes.IndexByte(data, '\n'); i > 0 && data[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// replaceKeyLines sets aws_access_key_id and aws_secret_access_key of [profile] in the credentials file
// content data to k, in place (editINI): every other line stays byte for byte. With create, a missing
// section is added at the end; without it, a missing profile is an error.
func replaceKeyLines(path string, data []byte, profile string, k LongTermKey, create bool) ([]byte, error) {
	out, _, exact, err := editINI(path, data, func(f *ini.File) error {
		sec, err := f.GetSection(profile)
		if err != nil {
			if !create || profile == "" {
				return fmt.Errorf("profile %s is not in %s", quote(profile), path)
			}
			if sec, err = f.NewSection(profile); err != nil {
				return err
			}
		}
		for name, value := range map[string]string{"aws_access_key_id": k.AccessKeyID, "aws_secret_access_key": k.SecretAccessKey} {
			found := false
			for _, existing := range sec.KeyStrings() {
				if strings.EqualFold(existing, name) {
					// editINI keeps comment lines as they are; a changed key's own copy would repeat them.
					sec.Key(existing).Comment = ""
					sec.Key(existing).SetValue(value)
					found = true
				}
			}
			if !found {
				sec.Key(name).SetValue(value)
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, errUnchanged):
		return data, nil
	case err != nil:
		return nil, err
	case !exact:
		return nil, fmt.Errorf("%s: cannot change the access key of profile %s without rewriting other lines; simplify the quoted or multi-line values in it", path, quote(profile))
	}
	return out, nil
}

// keyHome finds where profile's key is, as the engine looks for it: the keyring, then the credentials file.
func (e *Engine) keyHome(profile string) (keyHome, error) {
	_, err := e.Store.Key(profile)
	switch {
	case err == nil:
		return keyringHome{e.Store, profile}, nil
	case !errors.Is(err, ErrNotFound):
		return nil, err
	case e.Creds != nil:
		if _, ok := e.Creds.Key(profile); ok {
			return credentialsHome{e.Creds.Path, profile}, nil
		}
	}
	return nil, fmt.Errorf("profile %q has no access key in the keyring or the credentials file; add one with 'kagi add %s'", profile, profile)
}

// StoredKey returns the access key kagi uses for profile's source (the keyring's, else the credentials
// file's) and where it is, for display; it reads the secret but callers show only the ID.
func (e *Engine) StoredKey(profile string) (source string, key LongTermKey, where string, err error) {
	chain, err := e.Config.Chain(profile)
	if err != nil {
		return "", LongTermKey{}, "", err
	}
	source = chain[len(chain)-1].Name
	h, err := e.keyHome(source)
	if err != nil {
		return source, LongTermKey{}, "", err
	}
	key, err = h.primary()
	return source, key, h.String(), err
}

// PendingRotation reports the step and new key ID of an interrupted rotation of profile (a source profile).
func (e *Engine) PendingRotation(profile string) (step, newID string, ok bool) {
	j, err := readJournal(journalPath(e.Dirs, profile), profile)
	if err != nil || j == nil {
		return "", "", false
	}
	return j.Step, j.NewID, true
}
