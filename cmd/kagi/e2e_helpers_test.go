//go:build linux

package main_test

// Shared machinery of the end-to-end engine tests (e2e_engine_test.go, e2e_keyring_test.go,
// e2e_badinput_test.go; the world each test runs in is in e2e_world_test.go, shared checks in
// e2e_checks_test.go): TestEE builds kagi and kagi-credential-process once and runs the three groups as
// parallel subtests. Every subtest gets its own `kagi demo serve --scenario onboarded` when it spends an MFA
// code (the endpoint accepts each TOTP step once per device), its own HOME, AWS config, state directory and
// profile names (keyctl items live in the user keyring across tests and runs), and runs kagi as separate
// processes with a clean environment and no controlling terminal. The endpoint is seen only through its
// /_localaws/calls counters.
//
// Helpers are prefixed "ee". Keyring items are set up and removed through the session package in a child
// process (the test binary re-run as TestEEHelperProcess with the subtest's environment), so the store sees
// exactly the backend, directories and D-Bus that kagi sees.

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestEE(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kagi and runs it against kagi demo serve")
	}
	s := eeSetup(t)
	t.Run("Engine", func(t *testing.T) { t.Parallel(); eeEngine(t, s) })
	t.Run("Keyring", func(t *testing.T) { t.Parallel(); eeKeyring(t, s) })
	t.Run("BadInput", func(t *testing.T) { t.Parallel(); eeBadInput(t, s) })
	t.Run("TUITerminalQueries", func(t *testing.T) { t.Parallel(); eeTUITerminalQueries(t, s) })
	t.Run("SessionsInKeyctl", func(t *testing.T) { t.Parallel(); eeSessionsInKeyctl(t, s) })
}

// eeSuite is what the subtests share.
type eeSuite struct {
	binDir   string // kagi and kagi-credential-process; first on PATH
	kagi     string
	cp       string
	oathtool string
	nonce    string       // per run: profile names never meet items left by an earlier run
	worlds   atomic.Int64 // numbers the worlds of a run
	hasAdd   bool         // this build has `kagi add --env`
	hasClear bool         // this build has `kagi clear PROFILE`
	keyctl   error        // why the keyctl backend is unusable here, nil if it works
}

func eeSetup(t *testing.T) *eeSuite {
	t.Helper()
	s := &eeSuite{oathtool: eeTool(t, "oathtool", "")}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	s.nonce = hex.EncodeToString(b[:])
	s.binDir = t.TempDir()
	s.kagi = filepath.Join(s.binDir, "kagi")
	s.cp = filepath.Join(s.binDir, "kagi-credential-process")
	start := time.Now()
	eeBuild(t, map[string]string{s.kagi: ".", s.cp: "../kagi-credential-process"})
	t.Logf("built kagi and kagi-credential-process in %v", time.Since(start).Round(time.Millisecond))

	help, err := exec.Command(s.kagi, "--help").Output()
	if err != nil {
		t.Fatalf("kagi --help: %v", err)
	}
	for _, line := range strings.Split(string(help), "\n") {
		switch f := strings.Fields(line); {
		case len(f) > 0 && f[0] == "add":
			s.hasAdd = true
		case len(f) > 0 && f[0] == "clear":
			s.hasClear = true
		}
	}
	// Probe keyctl once before the parallel subtests: this also creates the "kagi" keyring in the user
	// keyring, so that concurrent first uses do not race to create it.
	probe := &eeWorld{t: t, s: s, backend: "keyctl", root: t.TempDir()}
	probe.home = probe.root
	if _, err := probe.storeErr("keys"); err != nil {
		s.keyctl = err
	}
	return s
}

// need fails or skips the test (see eeRequire) when a keyring backend it needs is missing.
func (s *eeSuite) need(t *testing.T, backend string) {
	t.Helper()
	if backend == "keyctl" && s.keyctl != nil {
		eeRequire(t, "the keyctl keyring is not usable here: %v", s.keyctl)
	}
}

// eeRequire skips the test, except on CI (CI=true), where every tool is installed and a missing one fails.
func eeRequire(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("required on CI: "+format, args...)
	}
	t.Skipf(format, args...)
}

// eeTool finds a command: $envVar if set, else PATH (see eeRequire).
func eeTool(t *testing.T, name, envVar string) string {
	t.Helper()
	if envVar != "" {
		if p := os.Getenv(envVar); p != "" {
			if _, err := os.Stat(p); err != nil {
				t.Fatalf("%s=%s: %v", envVar, p, err)
			}
			return p
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		eeRequire(t, "%s not installed: %v", name, err)
	}
	return p
}

// eeBuild runs `go build -o OUT PKG` for each output, concurrently, from this package's directory.
func eeBuild(t *testing.T, outputs map[string]string) {
	t.Helper()
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		if goBin, err = exec.LookPath("go"); err != nil {
			t.Fatalf("no go toolchain to build kagi: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, len(outputs))
	for out, pkg := range outputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, pkg)
			if b, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// eeServeInfo is the JSON line `kagi demo serve` prints.
type eeServeInfo struct {
	EndpointURL     string            `json:"endpoint_url"`
	Scenario        string            `json:"scenario"`
	AccountID       string            `json:"account_id"`
	UserName        string            `json:"user_name"`
	AccessKeyID     string            `json:"access_key_id"`
	SecretAccessKey string            `json:"secret_access_key"`
	MFASerial       string            `json:"mfa_serial"`
	MFASecret       string            `json:"mfa_secret"`
	Roles           map[string]string `json:"roles"`
}

// serve starts `kagi demo serve --scenario onboarded` for the test (stopped with SIGTERM at its cleanup).
func (s *eeSuite) serve(t *testing.T) *eeServeInfo {
	t.Helper()
	text, stderr := s.serveLine(t, "onboarded")
	var info eeServeInfo
	if json.Unmarshal([]byte(text), &info) != nil {
		t.Fatalf("kagi demo serve line: %q\nstderr: %s", text, stderr.String())
	}
	if info.EndpointURL == "" || info.AccessKeyID == "" || info.SecretAccessKey == "" || info.MFASerial == "" ||
		info.MFASecret == "" || info.Roles["iam-role-admin"] == "" || info.Roles["iam-role-operator"] == "" {
		t.Fatalf("kagi demo serve line lacks fields: %s", text)
	}
	return &info
}

// serveLine starts `kagi demo serve --scenario scenario` and returns its JSON line and its stderr. The test's
// cleanup stops it with SIGTERM and checks that it exits 0.
func (s *eeSuite) serveLine(t *testing.T, scenario string) (string, *eeBuffer) {
	t.Helper()
	cmd := exec.Command(s.kagi, "demo", "serve", "--scenario", scenario)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	stderr := &eeBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start kagi demo serve: %v", err)
	}
	type line struct {
		text string
		err  error
	}
	lines := make(chan line, 1)
	go func() {
		r := bufio.NewReader(stdout)
		text, err := r.ReadString('\n')
		lines <- line{text, err}
		_, _ = io.Copy(io.Discard, r)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("kagi demo serve after SIGTERM: %v\nstderr: %s", err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("kagi demo serve did not exit within 10s of SIGTERM")
		}
	})
	var got line
	select {
	case got = <-lines:
	case <-time.After(30 * time.Second):
		t.Fatalf("kagi demo serve printed no line within 30s\nstderr: %s", stderr.String())
	}
	if got.err != nil {
		t.Fatalf("kagi demo serve line: %q (%v)\nstderr: %s", got.text, got.err, stderr.String())
	}
	return got.text, stderr
}
