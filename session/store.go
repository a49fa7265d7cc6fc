package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/99designs/keyring"

	"github.com/kagi-cli/kagi/session/warm"
)

// Store keeps kagi's items in a keyring: long-term keys (JSON) and cached sessions and roles
// (warm.Entry lines). It only ever reads, lists or removes items whose names warm.ParseItemName accepts.
//
// Cached sessions may live in a second keyring (sess): on Linux, kagi caches them in the kernel keyring
// whatever backend holds the long-term keys (see OpenStore), so the warm path reads them without D-Bus, a
// passphrase or a file; the entry methods then act on sess, and listing and removal cover both keyrings.
type Store struct {
	kr         keyring.Keyring
	backend    string
	collection string // secret-service collection, for messages
	fileDir    string // file backend directory, to enforce file modes
	sess       *Store // where cached sessions go; nil: this keyring
}

// NewStore wraps an already-open keyring (tests use keyring.NewArrayKeyring).
func NewStore(kr keyring.Keyring, backend string) *Store {
	return &Store{kr: &syncKeyring{kr: kr}, backend: backend, collection: "login"}
}

// Backend names the keyring backend in use (for long-term keys).
func (s *Store) Backend() string { return s.backend }

// SessionBackend names the keyring backend that holds cached sessions.
func (s *Store) SessionBackend() string {
	if s.sess != nil {
		return s.sess.backend
	}
	return s.backend
}

// both is the keyrings entries may be in: this one, and the sessions' one when it is another. Sessions
// cached before kagi kept them apart stay listable and removable until they expire.
func (s *Store) both() []*Store {
	if s.sess != nil {
		return []*Store{s.sess, s}
	}
	return []*Store{s}
}

// Volatile reports a keyring that forgets: keyctl's user keyring lives only while a process of the user
// runs, and never across a reboot. Sessions cached there are cheap to lose; a long-term key is not.
func (s *Store) Volatile() bool { return s.backend == "keyctl" }

// VolatileNote is the sentence kagi prints when a long-term key goes into a volatile keyring.
const VolatileNote = "the keyctl keyring forgets it when your last session on this machine ends and at every reboot; keep a copy elsewhere, or use a keyring that lasts (KAGI_KEYRING_BACKEND=file, encrypted on disk)"

// PutKey stores profile's long-term access key.
func (s *Store) PutKey(profile string, k LongTermKey) error {
	if k.AccessKeyID == "" || k.SecretAccessKey == "" {
		return fmt.Errorf("the access key for profile %q is incomplete; enter both the access key ID and the secret access key", profile)
	}
	data, err := json.Marshal(k)
	if err != nil {
		return err
	}
	return s.set(keyring.Item{
		Key:         warm.ItemName(warm.KindKey, profile, time.Time{}),
		Data:        data,
		Label:       "kagi: " + profile + " access key",
		Description: "kagi long-term AWS access key",
	})
}

// Key returns profile's long-term access key, or ErrNotFound.
func (s *Store) Key(profile string) (LongTermKey, error) {
	it, err := s.kr.Get(warm.ItemName(warm.KindKey, profile, time.Time{}))
	if err != nil {
		return LongTermKey{}, s.wrap(err)
	}
	var k LongTermKey
	if err := json.Unmarshal(it.Data, &k); err != nil || k.AccessKeyID == "" || k.SecretAccessKey == "" {
		return LongTermKey{}, fmt.Errorf("the stored access key of profile %q is unreadable; store the key again", profile)
	}
	return k, nil
}

// RemoveKey deletes profile's long-term access key, or returns ErrNotFound.
func (s *Store) RemoveKey(profile string) error {
	name := warm.ItemName(warm.KindKey, profile, time.Time{})
	items, err := s.items()
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.name == name {
			return s.remove(name)
		}
	}
	return ErrNotFound
}

// KeyProfiles lists the profiles with a stored long-term key, sorted, from item names alone.
func (s *Store) KeyProfiles() ([]string, error) {
	items, err := s.items()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, it := range items {
		if it.info.Kind == warm.KindKey {
			out = append(out, it.info.Profile)
		}
	}
	sort.Strings(out)
	return out, nil
}

// PutEntry stores temporary credentials of kind (warm.KindSession or warm.KindRole) for profile, then
// removes older entries of the same kind and profile.
func (s *Store) PutEntry(kind, profile string, e warm.Entry) error {
	if s.sess != nil {
		return s.sess.PutEntry(kind, profile, e)
	}
	if kind != warm.KindSession && kind != warm.KindRole {
		return fmt.Errorf("internal error: cannot cache credentials of kind %q", kind)
	}
	if e.Expires.IsZero() {
		return fmt.Errorf("internal error: credentials for profile %q have no expiry", profile)
	}
	data, err := e.Encode()
	if err != nil {
		return fmt.Errorf("cannot cache credentials for profile %q: %v", profile, err)
	}
	name := warm.ItemName(kind, profile, e.Expires)
	if err := s.set(keyring.Item{
		Key:         name,
		Data:        data,
		Label:       "kagi: " + kind + " " + profile + " until " + e.Expires.UTC().Format(time.RFC3339),
		Description: "kagi cached AWS " + kind + " credentials",
	}); err != nil {
		return err
	}
	items, err := s.items()
	if err != nil {
		return err
	}
	exp := time.Unix(e.Expires.Unix(), 0)
	for _, it := range items {
		if it.info.Kind == kind && it.info.Profile == profile && it.info.Expires.Before(exp) {
			if err := s.remove(it.name); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
	}
	return nil
}

// Entry is EntryAt by the wall clock.
func (s *Store) Entry(kind, profile string, validUntil time.Time) (warm.Entry, bool, error) {
	return s.EntryAt(kind, profile, time.Now(), validUntil)
}

// EntryAt returns the newest entry of kind and profile that expires after validUntil, choosing by item name
// and reading only that item. Entries already expired at now — the caller's clock, which is the engine's
// (Engine.Now) and may differ from the wall clock in tests and `kagi demo` — are removed on the way; so is
// an unreadable chosen entry.
func (s *Store) EntryAt(kind, profile string, now, validUntil time.Time) (warm.Entry, bool, error) {
	if s.sess != nil {
		return s.sess.EntryAt(kind, profile, now, validUntil)
	}
	items, err := s.items()
	if err != nil {
		return warm.Entry{}, false, err
	}
	var best *item
	for i := range items {
		it := &items[i]
		if it.info.Kind != kind || it.info.Profile != profile {
			continue
		}
		if !it.info.Expires.After(now) {
			_ = s.remove(it.name) // best effort: another kagi may have removed it already
			continue
		}
		if it.info.Expires.After(validUntil) && (best == nil || it.info.Expires.After(best.info.Expires)) {
			best = it
		}
	}
	if best == nil {
		return warm.Entry{}, false, nil
	}
	got, err := s.kr.Get(best.name)
	if err != nil {
		if errors.Is(err, keyring.ErrKeyNotFound) {
			return warm.Entry{}, false, nil // removed by another kagi meanwhile
		}
		return warm.Entry{}, false, s.wrap(err)
	}
	e, err := warm.DecodeEntry(got.Data)
	if err != nil {
		_ = s.remove(best.name)
		return warm.Entry{}, false, nil
	}
	if !e.Expires.After(validUntil) {
		return warm.Entry{}, false, nil
	}
	return e, true, nil
}

// Entries lists cached sessions and roles from item names alone, newest first.
func (s *Store) Entries() ([]warm.ItemInfo, error) {
	var out []warm.ItemInfo
	for _, r := range s.both() {
		items, err := r.items()
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if it.info.Kind != warm.KindKey {
				out = append(out, it.info)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Expires.Equal(b.Expires) {
			return a.Expires.After(b.Expires)
		}
		if a.Profile != b.Profile {
			return a.Profile < b.Profile
		}
		return a.Kind < b.Kind
	})
	return out, nil
}

// RemoveEntries removes the cached sessions and roles of profile ("" = of all profiles), never long-term
// keys, and returns how many it removed.
func (s *Store) RemoveEntries(profile string) (int, error) {
	return s.removeEntries(func(info warm.ItemInfo) bool { return profile == "" || info.Profile == profile })
}

// Purge removes the entries whose names say they expired before now.
func (s *Store) Purge(now time.Time) (int, error) {
	return s.removeEntries(func(info warm.ItemInfo) bool { return !info.Expires.After(now) })
}

func (s *Store) removeEntries(match func(warm.ItemInfo) bool) (int, error) {
	n := 0
	for _, r := range s.both() {
		m, err := r.removeEntriesHere(match)
		if n += m; err != nil {
			return n, err
		}
	}
	return n, nil
}

func (s *Store) removeEntriesHere(match func(warm.ItemInfo) bool) (int, error) {
	items, err := s.items()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, it := range items {
		if it.info.Kind == warm.KindKey || !match(it.info) {
			continue
		}
		if err := s.remove(it.name); err != nil {
			if errors.Is(err, ErrNotFound) {
				continue
			}
			return n, err
		}
		n++
	}
	return n, nil
}

// item is one of kagi's items by name.
type item struct {
	name string
	info warm.ItemInfo
}

// items lists kagi's items; everything else in the keyring is skipped.
func (s *Store) items() ([]item, error) {
	names, err := s.kr.Keys()
	// keyctl lists a keyring by describing each key; a key another kagi removes in between fails the whole
	// listing (ENOKEY). Such a race is over at once, so a retry or two settles it; lasting errors still surface.
	for retry := 0; err != nil && retry < 2; retry++ {
		names, err = s.kr.Keys()
	}
	if err != nil {
		return nil, s.wrap(err)
	}
	var out []item
	seen := map[string]bool{}
	for _, n := range names {
		if info, ok := warm.ParseItemName(n); ok && !seen[n] {
			seen[n] = true
			out = append(out, item{name: n, info: info})
		}
	}
	return out, nil
}

func (s *Store) set(it keyring.Item) error {
	if err := s.kr.Set(it); err != nil {
		return s.wrap(err)
	}
	if s.fileDir != "" && runtime.GOOS != "windows" {
		// The library writes new files 0600 but keeps the mode of a file it overwrites.
		if err := os.Chmod(filepath.Join(s.fileDir, fileName(encodeFileItem(it.Key))), 0o600); err != nil {
			return fmt.Errorf("file keyring: cannot make %s private (%v); check the directory's owner", s.fileDir, oneLine(err.Error()))
		}
	}
	return nil
}

func (s *Store) remove(name string) error {
	err := s.kr.Remove(name)
	if err != nil && os.IsNotExist(err) {
		return ErrNotFound // the file backend reports the missing file
	}
	return s.wrap(err)
}

// wrap maps the library's not-found to ErrNotFound and anything else to one sentence with a fix.
func (s *Store) wrap(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrKeyNotFound):
		return ErrNotFound
	}
	return &backendError{msg: explain(s.backend, err.Error(), s.collection).Error(), err: err}
}

type backendError struct {
	msg string
	err error
}

func (e *backendError) Error() string { return e.msg }
func (e *backendError) Unwrap() error { return e.err }

// fileName is the file backend's name for an item: the library percent-encodes '/' and '%'.
func fileName(key string) string {
	const hex = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(key); i++ {
		if c := key[i]; c == '/' || c == '%' {
			b = append(b, '%', hex[c>>4], hex[c&15])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}
