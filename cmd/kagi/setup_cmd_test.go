package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// setupTTY is a fake terminal: it reads the given answers and records what kagi writes.
type setupTTY struct {
	in  io.Reader
	mu  sync.Mutex
	out bytes.Buffer
}

func (s *setupTTY) Read(p []byte) (int, error) { return s.in.Read(p) }
func (s *setupTTY) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Write(p)
}
func (s *setupTTY) Close() error { return nil }
func (s *setupTTY) written() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

func setupWithTTY(answers string) (context.Context, *setupTTY) {
	tty := &setupTTY{in: strings.NewReader(answers)}
	return withTTY(context.Background(), func() (io.ReadWriteCloser, error) { return tty, nil }), tty
}

func setupNoTTY() context.Context {
	return withTTY(context.Background(), func() (io.ReadWriteCloser, error) { return nil, errors.New("no tty") })
}

const setupCmdConfig = `# team config
[profile dev]
region = eu-west-1 ; the IAM user
`

func setupWorld(t *testing.T) (path string, env map[string]string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(setupCmdConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, map[string]string{"AWS_CONFIG_FILE": path}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const adminARN = "arn:aws:iam::123456789012:role/iam-role-admin"

func TestCLISetupConfirmOnTTY(t *testing.T) {
	path, env := setupWorld(t)
	ctx, tty := setupWithTTY("y\n")
	r := cliRun(t, ctx, env, "setup", "admin", "--source", "dev", "--role-arn", adminARN, "--region", "eu-west-1")
	if r.code != exitOK || r.stdout != "" {
		t.Fatalf("setup: %+v", r)
	}
	if !strings.Contains(r.stderr, "--- "+path+"\n+++ "+path+" (after kagi setup)\n@@ -1,3 +1,14 @@\n") ||
		!strings.Contains(r.stderr, "\n+[profile admin]\n+source_profile = dev\n+role_arn = "+adminARN+"\n+region = eu-west-1\n") ||
		!strings.Contains(r.stderr, "\n+credential_process = kagi-credential-process admin\n") {
		t.Errorf("preview on stderr:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "Wrote [profile admin] and [profile admin-cli] to "+path+" (the previous version is in "+path+".kagi-backup).") {
		t.Errorf("result line:\n%s", r.stderr)
	}
	if !strings.Contains(tty.written(), "Write these changes to "+path+"? [y/N] ") {
		t.Errorf("tty: %q", tty.written())
	}
	got := readFile(t, path)
	if !strings.HasPrefix(got, setupCmdConfig) || !strings.Contains(got, "[profile admin-cli]\ncredential_process = kagi-credential-process admin\nregion = eu-west-1\n") {
		t.Errorf("config after:\n%s", got)
	}
	if readFile(t, path+".kagi-backup") != setupCmdConfig {
		t.Error("backup differs from the old file")
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("mode: %v %v", info, err)
	}

	// Again: nothing to do, nothing asked.
	r = cliRun(t, setupNoTTY(), env, "setup", "admin", "--source", "dev", "--role-arn", adminARN, "--region", "eu-west-1")
	if r.code != exitOK || !strings.Contains(r.stderr, "nothing to change") || strings.Contains(r.stderr, "+++") {
		t.Errorf("second run: %+v", r)
	}
}

func TestCLISetupDeclinedOrNoTerminal(t *testing.T) {
	path, env := setupWorld(t)
	ctx, _ := setupWithTTY("n\n")
	r := cliRun(t, ctx, env, "setup", "admin", "--source", "dev", "--role-arn", adminARN)
	if !strings.Contains(r.stderr, "+[profile admin]") {
		t.Errorf("no preview before the question: %q", r.stderr)
	}
	lastLine(t, r, exitError, "Left "+path+" unchanged, as you did not answer y.")
	r = cliRun(t, setupNoTTY(), env, "setup", "admin", "--source", "dev", "--role-arn", adminARN)
	lastLine(t, r, exitError, "No terminal to confirm on; pass --yes")
	if readFile(t, path) != setupCmdConfig {
		t.Fatal("the config changed without a yes")
	}
	if _, err := os.Stat(path + ".kagi-backup"); !os.IsNotExist(err) {
		t.Errorf("backup written without a change: %v", err)
	}
	r = cliRun(t, setupNoTTY(), env, "setup", "admin", "--source", "dev", "--role-arn", adminARN, "--dry-run")
	if r.code != exitOK || !strings.Contains(r.stderr, "+[profile admin-cli]") || readFile(t, path) != setupCmdConfig {
		t.Errorf("--dry-run: %+v", r)
	}
}

// lastLine checks the exit code and that the one error line (the last line of stderr) says want.
func lastLine(t *testing.T, r cliResult, code int, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if r.code != code || !strings.HasPrefix(lines[len(lines)-1], "kagi: "+want) {
		t.Errorf("code %d (want %d), last line %q, want %q", r.code, code, lines[len(lines)-1], want)
	}
}

func TestCLISetupAsksForMissingValues(t *testing.T) {
	path, env := setupWorld(t)
	ctx, tty := setupWithTTY("dev\n" + adminARN + "\n")
	r := cliRun(t, ctx, env, "setup", "ops", "--cli-profile", "ops-aws", "--yes")
	if r.code != exitOK {
		t.Fatalf("setup: %+v", r)
	}
	if w := tty.written(); !strings.Contains(w, "Source profile") || !strings.Contains(w, "Role ARN") || strings.Contains(w, "[y/N]") {
		t.Errorf("tty: %q", w)
	}
	if got := readFile(t, path); !strings.Contains(got, "[profile ops]\nsource_profile = dev\nrole_arn = "+adminARN+"\n") ||
		!strings.Contains(got, "[profile ops-aws]\ncredential_process = kagi-credential-process ops\n") {
		t.Errorf("config:\n%s", got)
	}
	oneErrorLine(t, cliRun(t, setupNoTTY(), env, "setup", "ops2", "--yes"), exitUsage, "--source and --role-arn are required")
}

func TestCLISetupRefusesDifferentProfileWithoutForce(t *testing.T) {
	path, env := setupWorld(t)
	if r := cliRun(t, setupNoTTY(), env, "setup", "admin", "--source", "dev", "--role-arn", adminARN, "--yes"); r.code != exitOK {
		t.Fatalf("first setup: %+v", r)
	}
	before := readFile(t, path)
	other := "arn:aws:iam::123456789012:role/other"
	r := cliRun(t, setupNoTTY(), env, "setup", "admin", "--source", "dev", "--role-arn", other, "--yes")
	oneErrorLine(t, r, exitError, "Profile admin already sets role_arn = "+adminARN+"; pass --force to replace it")
	if readFile(t, path) != before {
		t.Fatal("a refused setup changed the file")
	}
	r = cliRun(t, setupNoTTY(), env, "setup", "admin", "--source", "dev", "--role-arn", other, "--yes", "--force")
	if r.code != exitOK || !strings.Contains(r.stderr, "-role_arn = "+adminARN+"\n+role_arn = "+other+"\n") {
		t.Fatalf("--force: %+v", r)
	}
	if got := readFile(t, path); !strings.HasPrefix(got, setupCmdConfig) || !strings.Contains(got, "role_arn = "+other) || readFile(t, path+".kagi-backup") != before {
		t.Errorf("after --force:\n%s", got)
	}
}

func TestCLISetupUsageErrors(t *testing.T) {
	_, env := setupWorld(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"setup"}, "ccepts 1 arg"},
		{[]string{"setup", "admin", "--source", "dev", "--role-arn", "role/admin"}, "not a role ARN"},
		{[]string{"setup", "admin", "--source", "admin", "--role-arn", adminARN}, "not the role profile"},
		{[]string{"setup", "admin", "--source", "dev", "--role-arn", adminARN, "--region", "mars"}, "not an AWS region"},
		{[]string{"setup", "admin", "--source", "dev", "--role-arn", adminARN, "--mfa-serial", "x"}, "not an MFA device ARN"},
	} {
		r := cliRun(t, setupNoTTY(), env, append(tt.args, "--yes")...)
		oneErrorLine(t, r, exitUsage, tt.want)
	}
}
