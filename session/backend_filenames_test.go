package session

import (
	"errors"
	"os"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/kagi-cli/kagi/session/warm"
)

func openFileStore(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := OpenStore(StoreOptions{Backend: "file", FileDir: dir, Env: mapEnv(map[string]string{"KAGI_FILE_PASSPHRASE": "pw"})})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// windowsSafe reports why name cannot be a file name on Windows (or, folded, collides on a case-insensitive
// file system), "" if it can.
func windowsSafe(name string) string {
	if i := strings.IndexAny(name, `<>:"/\|?*`); i >= 0 {
		return "holds " + name[i:i+1]
	}
	if strings.ContainsFunc(name, func(r rune) bool { return r < ' ' }) {
		return "holds a control character"
	}
	if strings.HasSuffix(name, ".") || strings.HasSuffix(name, " ") {
		return "ends in a dot or space"
	}
	return ""
}

// The file backend names each item's file after the item; kagi's item names hold ':' (and profile names
// anything), which Windows forbids in file names. The store maps them for the file backend.
func TestFileBackendNamesAreWindowsSafe(t *testing.T) {
	dir := t.TempDir()
	s := openFileStore(t, dir)
	profiles := []string{"dev", "Dev", "a:b", `w<i>n"d/o\w|s?*`, "trail.", "ü", "x%3Ay"}
	exp := time.Now().Add(time.Hour).Truncate(time.Second).UTC()
	for i, p := range profiles {
		if err := s.PutKey(p, LongTermKey{AccessKeyID: "AKIA" + strings.Repeat("X", 16), SecretAccessKey: p + "-secret"}); err != nil {
			t.Fatalf("PutKey(%q): %v", p, err)
		}
		if err := s.PutEntry(warm.KindRole, p, warm.Entry{AccessKeyID: "ASIA", SecretAccessKey: "s" + p, Expires: exp.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatalf("PutEntry(%q): %v", p, err)
		}
	}
	names := dirNames(t, dir)
	folded := map[string]string{}
	for _, n := range names {
		if why := windowsSafe(n); why != "" {
			t.Errorf("file %q %s", n, why)
		}
		if other, dup := folded[strings.ToLower(n)]; dup {
			t.Errorf("files %q and %q differ only in case", n, other)
		}
		folded[strings.ToLower(n)] = n
	}
	if len(names) != 2*len(profiles) {
		t.Fatalf("%d files, want %d: %q", len(names), 2*len(profiles), names)
	}
	got, err := s.KeyProfiles()
	want := append([]string(nil), profiles...)
	sort.Strings(want)
	if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("KeyProfiles = %q, %v; want %q", got, err, want)
	}
	for _, p := range profiles {
		if k, err := s.Key(p); err != nil || k.SecretAccessKey != p+"-secret" {
			t.Errorf("Key(%q) = %+v, %v", p, k, err)
		}
		if e, ok, err := s.EntryAt(warm.KindRole, p, time.Now(), time.Now()); err != nil || !ok || e.SecretAccessKey != "s"+p {
			t.Errorf("EntryAt(%q) = %+v, %v, %v", p, e, ok, err)
		}
	}
	if runtime.GOOS != "windows" {
		for _, n := range names {
			if fi, err := os.Stat(dir + "/" + n); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v, %v", n, fi.Mode().Perm(), err)
			}
		}
	}
	for _, p := range profiles {
		if err := s.RemoveKey(p); err != nil {
			t.Errorf("RemoveKey(%q): %v", p, err)
		}
	}
	if n, err := s.RemoveEntries(""); err != nil || n != len(profiles) {
		t.Errorf("RemoveEntries = %d, %v", n, err)
	}
	if left := dirNames(t, dir); len(left) != 0 {
		t.Errorf("files left: %q", left)
	}
}

// Items an earlier kagi wrote under their plain names (Linux, macOS) stay readable, and are moved to the new
// name when written again.
func TestFileBackendReadsLegacyNames(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no file keyring item could be written under a plain name on Windows")
	}
	dir := t.TempDir()
	cfg := keyring.Config{AllowedBackends: []keyring.BackendType{keyring.FileBackend}, FileDir: dir,
		FilePasswordFunc: func(string) (string, error) { return "pw", nil }}
	raw, err := keyring.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour).Truncate(time.Second).UTC()
	old, _ := warm.Entry{AccessKeyID: "ASIAOLD", SecretAccessKey: "s-old", Expires: exp}.Encode()
	for _, it := range []keyring.Item{
		{Key: warm.ItemName(warm.KindKey, "old", time.Time{}), Data: []byte(`{"AccessKeyID":"AKIAOLDOLDOLDOLD1234","SecretAccessKey":"old-secret"}`)},
		{Key: warm.ItemName(warm.KindKey, "gone", time.Time{}), Data: []byte(`{"AccessKeyID":"AKIAGONEGONEGONE1234","SecretAccessKey":"gone-secret"}`)},
		{Key: warm.ItemName(warm.KindRole, "old", exp), Data: old},
	} {
		if err := raw.Set(it); err != nil {
			t.Fatal(err)
		}
	}
	s := openFileStore(t, dir)
	if got, err := s.KeyProfiles(); err != nil || strings.Join(got, ",") != "gone,old" {
		t.Fatalf("KeyProfiles = %q, %v", got, err)
	}
	if k, err := s.Key("old"); err != nil || k.SecretAccessKey != "old-secret" {
		t.Fatalf("Key(old) = %+v, %v", k, err)
	}
	if e, ok, err := s.EntryAt(warm.KindRole, "old", time.Now(), time.Now()); err != nil || !ok || e.AccessKeyID != "ASIAOLD" {
		t.Fatalf("EntryAt(old) = %+v, %v, %v", e, ok, err)
	}
	// Writing again moves the item to its new name; a newer entry replaces the legacy one.
	if err := s.PutKey("old", LongTermKey{AccessKeyID: "AKIANEWNEWNEWNEW1234", SecretAccessKey: "new-secret"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutEntry(warm.KindRole, "old", warm.Entry{AccessKeyID: "ASIANEW", SecretAccessKey: "s-new", Expires: exp.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveKey("gone"); err != nil {
		t.Fatalf("RemoveKey(gone): %v", err)
	}
	if err := s.RemoveKey("gone"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("RemoveKey(gone) again: %v, want ErrNotFound", err)
	}
	for _, n := range dirNames(t, dir) {
		if why := windowsSafe(n); why != "" {
			t.Errorf("file %q left under a plain name (%s)", n, why)
		}
	}
	if k, err := s.Key("old"); err != nil || k.SecretAccessKey != "new-secret" {
		t.Fatalf("Key(old) after rewrite = %+v, %v", k, err)
	}
	if entries, err := s.Entries(); err != nil || len(entries) != 1 || !entries[0].Expires.Equal(exp.Add(time.Minute)) {
		t.Fatalf("Entries = %+v, %v; want only the new role entry", entries, err)
	}
}

// Any item name maps to a Windows-safe file name and back, and a plain kagi name is never taken for a mapped one.
func FuzzFileItemName(f *testing.F) {
	for _, s := range []string{"kagi:v1:key:dev", "kagi:v1:role:a%3Ab:1700000000", "", "%", "%zz", "ÿ\x00.", "kagi%3Av1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		enc := encodeFileItem(name)
		if why := windowsSafe(enc); why != "" || strings.ToLower(enc) != strings.Map(func(r rune) rune {
			if 'A' <= r && r <= 'F' {
				return r + 'a' - 'A'
			}
			return r
		}, enc) {
			t.Fatalf("%q -> %q: %s", name, enc, why)
		}
		if back, ok := decodeFileItem(enc); !ok || back != name {
			t.Fatalf("%q -> %q -> %q, %v", name, enc, back, ok)
		}
		if _, ok := decodeFileItem(name); ok && strings.Contains(name, ":") {
			t.Fatalf("plain name %q read as a mapped one", name)
		}
	})
}
