//go:build linux

package main_test

// Checks the e2e tests share: the helper process, file modes, secrets on disk, one-line errors, TOTP codes.

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kagi-cli/kagi/session"
)

const eeHelperEnv = "KAGI_EE_HELPER"

// TestEEHelperProcess is not a test: eeWorld.store runs the test binary with -test.run=^TestEEHelperProcess$
// and KAGI_EE_HELPER=1 to use the session package's keyring store with a subtest's environment.
//
//	put-key PROFILE ID SECRET   store a long-term key
//	keys                        print the profiles with a key, one a line
//	entries                     print the cached entries as KIND PROFILE, one a line
//	clear PROFILE...            remove the cached entries of the profiles
//	remove PROFILE...           remove the cached entries and keys of the profiles
func TestEEHelperProcess(t *testing.T) { eeRunHelper(eeHelperEnv, eeHelperMain) }

// eeRunHelper is the body of a helper-process test: when envVar is "1" (set by the test that started this
// binary), it runs main on the arguments after "--" and exits with its outcome; otherwise it does nothing.
func eeRunHelper(envVar string, main func(args []string) error) {
	if os.Getenv(envVar) != "1" {
		return
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	if err := main(args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func eeHelperMain(args []string) error {
	if len(args) == 0 {
		return errors.New("no operation")
	}
	s, err := session.OpenStore(session.StoreOptions{Env: os.Getenv})
	if err != nil {
		return err
	}
	switch op, rest := args[0], args[1:]; {
	case op == "put-key" && len(rest) == 3:
		return s.PutKey(rest[0], session.LongTermKey{AccessKeyID: rest[1], SecretAccessKey: rest[2]})
	case op == "keys":
		profiles, err := s.KeyProfiles()
		for _, p := range profiles {
			fmt.Println(p)
		}
		return err
	case op == "entries":
		entries, err := s.Entries()
		for _, e := range entries {
			fmt.Println(e.Kind, e.Profile)
		}
		return err
	case op == "clear" || op == "remove":
		for _, p := range rest {
			if _, err := s.RemoveEntries(p); err != nil {
				return err
			}
			if op == "remove" {
				if err := s.RemoveKey(p); err != nil && !errors.Is(err, session.ErrNotFound) {
					return err
				}
			}
		}
		return nil
	}
	return fmt.Errorf("bad operation %q", args)
}

// eeSnapshot lists the paths under root.
func eeSnapshot(t *testing.T, root string) map[string]bool {
	t.Helper()
	paths := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		paths[p] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

// eeCheckPrivate checks that every path under root that is not in before is a 0700 directory or a 0600
// regular file, and returns the new paths, sorted.
func eeCheckPrivate(t *testing.T, root string, before map[string]bool) []string {
	t.Helper()
	var created []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || before[p] {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		created = append(created, rel)
		switch mode := info.Mode(); {
		case mode.IsDir() && mode.Perm() != 0o700:
			t.Errorf("%s: directory mode %v, want 0700", rel, mode.Perm())
		case mode.IsRegular() && mode.Perm() != 0o600:
			t.Errorf("%s: file mode %v, want 0600", rel, mode.Perm())
		case !mode.IsDir() && !mode.IsRegular():
			t.Errorf("%s: %v, want only directories and regular files", rel, mode)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(created)
	return created
}

// eeNoSecrets checks that no file under root contains any of the secrets.
func eeNoSecrets(t *testing.T, root string, secrets map[string]string) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for what, secret := range secrets {
			if secret != "" && bytes.Contains(data, []byte(secret)) {
				rel, _ := filepath.Rel(root, p)
				t.Errorf("%s holds %s in plaintext", rel, what)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// eeOneLine checks that a failed kagi run printed nothing on stdout and exactly one line on stderr starting
// with "kagi: " (plus "Run 'kagi --help' for usage." after usage errors, exit 2), and returns that line.
func eeOneLine(t *testing.T, r eeResult, code int) string {
	t.Helper()
	want := 1
	if code == 2 {
		want = 2
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	switch {
	case r.code != code:
		t.Errorf("exit %d, want %d\n%s", r.code, code, r)
	case r.stdout != "":
		t.Errorf("stdout not empty\n%s", r)
	case !strings.HasSuffix(r.stderr, "\n") || len(lines) != want || !strings.HasPrefix(lines[0], "kagi: "):
		t.Errorf("stderr is not %d line(s) starting with \"kagi: \"\n%s", want, r)
	case code == 2 && lines[1] != "Run 'kagi --help' for usage.":
		t.Errorf("second line of a usage error: %q\n%s", lines[1], r)
	}
	return lines[0]
}

// totp is the code oathtool computes for secret at time at.
func (s *eeSuite) totp(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	out, err := exec.Command(s.oathtool, "--totp", "-b", "--now", "@"+strconv.FormatInt(at.Unix(), 10), secret).Output()
	code := strings.TrimSpace(string(out))
	if err != nil || len(code) != 6 {
		t.Fatalf("oathtool: %q %v", out, err)
	}
	return code
}

func eeShQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// eeBuffer is a bytes.Buffer safe for a process's copy goroutine and the test reading it.
type eeBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *eeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *eeBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
