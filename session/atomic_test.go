package session_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kagi-cli/kagi/session"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	for _, tc := range []struct {
		data string
		perm os.FileMode
	}{{"one", 0o600}, {"two, longer", 0o644}, {"", 0o600}} {
		if err := session.WriteFileAtomic(path, []byte(tc.data), tc.perm); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != tc.data {
			t.Fatalf("content %q, %v", got, err)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != tc.perm {
			t.Errorf("mode %v, want %v", fi.Mode().Perm(), tc.perm)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// Readers running alongside the writer see one whole version or the other.
func TestWriteFileAtomicReaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	a, b := make([]byte, 64<<10), make([]byte, 64<<10)
	for i := range a {
		a[i], b[i] = 'a', 'b'
	}
	if err := session.WriteFileAtomic(path, a, 0o600); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			got, err := os.ReadFile(path)
			if err != nil || (string(got) != string(a) && string(got) != string(b)) {
				t.Errorf("reader saw %d bytes, %v", len(got), err)
				return
			}
		}
	}()
	for i := 0; i < 50; i++ {
		data := a
		if i%2 == 0 {
			data = b
		}
		if err := session.WriteFileAtomic(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
}

func TestWriteFileAtomicFailures(t *testing.T) {
	dir := t.TempDir()
	checkOneLine(t, session.WriteFileAtomic(filepath.Join(dir, "missing", "f"), nil, 0o600), "cannot write", "no such file")
	// A non-empty directory at path cannot be replaced; nothing is left behind.
	target := filepath.Join(dir, "d")
	if err := os.MkdirAll(filepath.Join(target, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	checkOneLine(t, session.WriteFileAtomic(target, []byte("x"), 0o600), "cannot replace "+target)
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	ro := t.TempDir()
	path := filepath.Join(ro, "f")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(ro, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(ro, 0o700) })
	checkOneLine(t, session.WriteFileAtomic(path, []byte("new"), 0o600), "cannot write", "permission denied")
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("original changed: %q", got)
	}
}
