package session

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/ini.v1"
)

// Credentials is the parsed shared credentials file (~/.aws/credentials).
type Credentials struct {
	Path     string
	sections map[string]map[string]string // section name -> lower-cased key -> value
}

// LoadCredentials reads the shared credentials file at path. A missing file is an empty one.
func LoadCredentials(path string) (*Credentials, error) {
	c := &Credentials{Path: path, sections: map[string]map[string]string{}}
	f, _, err := readINI(path)
	if err != nil || f == nil {
		return c, err
	}
	for _, sec := range f.Sections() {
		if sec.Name() != ini.DefaultSection {
			c.sections[sec.Name()] = sectionKeys(sec)
		}
	}
	return c, nil
}

// Key returns the long-term access key of [profile]. A section with aws_session_token holds temporary
// credentials, not a long-term key, and gives false.
func (c *Credentials) Key(profile string) (LongTermKey, bool) {
	if c == nil {
		return LongTermKey{}, false
	}
	s := c.sections[profile]
	k := LongTermKey{AccessKeyID: s["aws_access_key_id"], SecretAccessKey: s["aws_secret_access_key"]}
	if k.AccessKeyID == "" || k.SecretAccessKey == "" || s["aws_session_token"] != "" {
		return LongTermKey{}, false
	}
	return k, true
}

// Profiles returns the section names of the credentials file, sorted.
func (c *Credentials) Profiles() []string {
	if c == nil {
		return nil
	}
	names := make([]string, 0, len(c.sections))
	for n := range c.sections {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// credentialKeys are what RemoveCredentialsKeys deletes.
var credentialKeys = []string{"aws_access_key_id", "aws_secret_access_key", "aws_session_token"}

var errUnchanged = errors.New("unchanged")

// RemoveCredentialsKeys deletes aws_access_key_id, aws_secret_access_key and aws_session_token from
// [profile] in the credentials file at path, and the section if no key is left in it. Every other line
// stays byte for byte. The file is replaced atomically (0600) and, unlike UpdateConfig, without a backup:
// the only lines that change are the key's, and a backup would keep the plaintext secret on disk that
// `kagi import` exists to remove (the key is already verified in the keyring). A profile without those
// keys is left alone.
func RemoveCredentialsKeys(path, profile string) error {
	path = resolveLink(path)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot remove the keys of profile %s: %w", quote(profile), err)
	}
	out, _, exact, err := editINI(path, data, func(f *ini.File) error {
		sec, err := f.GetSection(profile)
		if err != nil || profile == "" {
			return fmt.Errorf("profile %s is not in %s; run 'kagi list' to see the profiles", quote(profile), path)
		}
		removed := false
		for _, k := range sec.KeyStrings() {
			for _, name := range credentialKeys {
				if strings.EqualFold(k, name) {
					sec.DeleteKey(k)
					removed = true
				}
			}
		}
		if !removed {
			return errUnchanged
		}
		if len(sec.Keys()) == 0 {
			f.DeleteSection(profile)
		}
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	if err != nil {
		return err
	}
	if !exact {
		return fmt.Errorf("%s: cannot remove the keys of profile %s without rewriting other lines; delete aws_access_key_id, aws_secret_access_key and aws_session_token from [%s] by hand", path, quote(profile), profile)
	}
	return replaceWithBackup(path, data, out, false)
}

// UpdateConfig applies edit to the parsed config file at path and writes it back atomically (0600), after
// saving the old content to path+".kagi-backup". Lines edit does not touch stay byte for byte; if that
// cannot be done, the file is written the way ini.v1 formats it. A missing file (and its directory, 0700)
// is created.
func UpdateConfig(path string, edit func(f *ini.File) error) error {
	path = resolveLink(path)
	data, err := os.ReadFile(path)
	existed := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cannot update %s: %w", path, err)
	}
	out, f, exact, err := editINI(path, data, edit)
	if errors.Is(err, errUnchanged) {
		return nil
	}
	if err != nil {
		return err
	}
	if !exact {
		var buf bytes.Buffer
		if _, err := f.WriteTo(&buf); err != nil {
			return fmt.Errorf("cannot update %s: %w", path, err)
		}
		out = buf.Bytes()
		if check, err := parseINI(path, out); err != nil || !maps.EqualFunc(snapshot(check), snapshot(f), maps.Equal) {
			return fmt.Errorf("cannot update %s: some of its values cannot be written back unchanged; simplify the quoted or multi-line values in it", path)
		}
	}
	if existed && bytes.Equal(out, data) {
		return nil
	}
	if !existed {
		if err := ensureDir(filepath.Dir(path)); err != nil {
			return fmt.Errorf("cannot create %s: %w", filepath.Dir(path), err)
		}
	}
	return replaceWithBackup(path, data, out, existed)
}

// resolveLink follows a symlink to the file it names, so a linked config (dotfile managers) stays linked.
func resolveLink(path string) string {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		return p
	}
	return path
}

func replaceWithBackup(path string, old, data []byte, backup bool) error {
	if backup {
		if err := WriteFileAtomic(path+".kagi-backup", old, 0o600); err != nil {
			return fmt.Errorf("cannot back up %s, left it unchanged: %w", path, err)
		}
	}
	return WriteFileAtomic(path, data, 0o600)
}
