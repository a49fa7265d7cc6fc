//go:build linux

package main_test

// Shared machinery of the end-to-end engine tests (e2e_engine_test.go, e2e_keyring_test.go,
// e2e_badinput_test.go): TestEE builds kagi and kagi-credential-process once and runs the three groups as
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
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kagi-cli/kagi/session"
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

// eeWorld is one user's machine: a HOME with an AWS config, kagi's state, a keyring backend, an endpoint and
// profile names of its own.
type eeWorld struct {
	t       *testing.T
	s       *eeSuite
	info    *eeServeInfo
	backend string
	extra   []string // more environment (KAGI_FILE_PASSPHRASE, DBUS_SESSION_BUS_ADDRESS)

	root       string // the test's temporary directory; holds home and the mfa_process script
	home       string
	config     string // home/.aws/config
	creds      string // home/.aws/credentials
	state      string // KAGI_STATE_DIR, created by kagi
	xdgConfig  string // created by kagi (file keyring)
	xdgRuntime string
	mfaScript  string // mfa_process: counts its runs, then runs oathtool
	mfaRuns    string

	dev, admin, cli string // source, role and credential_process profiles
	profiles        []string
	spent           string // an MFA code already used (bad-input cases)
}

// world makes a world for t with the given backend and extra environment. For keyctl, the world's keyring
// items are removed at cleanup.
func (s *eeSuite) world(t *testing.T, info *eeServeInfo, backend string, extra ...string) *eeWorld {
	t.Helper()
	root := t.TempDir()
	w := &eeWorld{t: t, s: s, info: info, backend: backend, extra: extra, root: root,
		home: filepath.Join(root, "home"), mfaScript: filepath.Join(root, "mfa.sh"), mfaRuns: filepath.Join(root, "mfa-runs")}
	w.config = filepath.Join(w.home, ".aws", "config")
	w.creds = filepath.Join(w.home, ".aws", "credentials")
	w.state = filepath.Join(w.home, "state")
	w.xdgConfig = filepath.Join(w.home, ".config")
	w.xdgRuntime = filepath.Join(w.home, "run")
	for _, d := range []string{filepath.Dir(w.config), w.xdgRuntime} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%d", s.nonce, t.Name(), s.worlds.Add(1))))
	tag := hex.EncodeToString(sum[:4])
	w.dev, w.admin = w.name("dev-"+tag), w.name("admin-"+tag)
	w.cli = w.name(w.admin + "-cli")
	if info != nil {
		eeWriteScript(t, w.mfaScript, fmt.Sprintf("echo run >> %s\nexec %s --totp -b %s\n",
			eeShQuote(w.mfaRuns), eeShQuote(s.oathtool), eeShQuote(info.MFASecret)))
	}
	if backend == "keyctl" {
		t.Cleanup(func() {
			if out, err := w.storeErr(append([]string{"remove"}, w.profiles...)...); err != nil {
				t.Logf("remove the keyctl items of %v: %v %s", w.profiles, err, out)
			}
		})
	}
	return w
}

// eeWriteScript writes an executable sh script to path.
func eeWriteScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o700); err != nil {
		t.Fatal(err)
	}
}

// name registers a profile name for cleanup and returns it.
func (w *eeWorld) name(n string) string {
	w.profiles = append(w.profiles, n)
	return n
}

// eeStdConfig: a source profile with the demo user's MFA device and the counting mfa_process, a role
// profile for iam-role-admin, and the AWS CLI's profile using the warm path.
const eeStdConfig = `[profile {dev}]
mfa_serial = {serial}
mfa_process = {mfa}

[profile {admin}]
source_profile = {dev}
role_arn = {adminARN}

[profile {cli}]
credential_process = kagi-credential-process {admin}
`

// expand fills in a config template.
func (w *eeWorld) expand(tmpl string) string {
	pairs := []string{"{dev}", w.dev, "{admin}", w.admin, "{cli}", w.cli, "{mfa}", w.mfaScript, "{root}", w.root}
	if w.info != nil {
		pairs = append(pairs, "{serial}", w.info.MFASerial, "{adminARN}", w.info.Roles["iam-role-admin"],
			"{operatorARN}", w.info.Roles["iam-role-operator"])
	}
	return strings.NewReplacer(pairs...).Replace(tmpl)
}

// writeConfig writes the expanded template as the AWS config file.
func (w *eeWorld) writeConfig(tmpl string) {
	w.t.Helper()
	if err := os.WriteFile(w.config, []byte(w.expand(tmpl)), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// writeCreds puts the demo user's long-term key for the source profile into the credentials file.
func (w *eeWorld) writeCreds() {
	w.t.Helper()
	body := fmt.Sprintf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", w.dev, w.info.AccessKeyID, w.info.SecretAccessKey)
	if err := os.WriteFile(w.creds, []byte(body), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// putKey stores the demo user's long-term key for the source profile in the keyring: with `kagi add --env`
// when this build has it, else through the session package.
func (w *eeWorld) putKey() {
	w.t.Helper()
	if !w.s.hasAdd {
		w.store("put-key", w.dev, w.info.AccessKeyID, w.info.SecretAccessKey)
		return
	}
	r := w.run([]string{"AWS_ACCESS_KEY_ID=" + w.info.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + w.info.SecretAccessKey}, "kagi", "add", w.dev, "--env")
	if r.code != 0 || r.stdout != "" {
		w.t.Fatalf("kagi add %s --env: %s", w.dev, r)
	}
}

// clearSessions removes the cached sessions of the world's profiles (`kagi clear` when this build has it).
func (w *eeWorld) clearSessions() {
	w.t.Helper()
	if !w.s.hasClear {
		w.store(append([]string{"clear"}, w.dev, w.admin)...)
		return
	}
	for _, p := range []string{w.dev, w.admin} {
		if r := w.run(nil, "kagi", "clear", p); r.code != 0 || r.stdout != "" {
			w.t.Fatalf("kagi clear %s: %s", p, r)
		}
	}
}

// env is the world's environment for a kagi process: nothing of the test process's but PATH, with the
// binaries first. extra entries override ("NAME=value") or remove ("NAME") variables.
func (w *eeWorld) env(extra ...string) []string {
	base := []string{
		"PATH=" + w.s.binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + w.home,
		"LANG=C.UTF-8",
		"AWS_CONFIG_FILE=" + w.config,
		"AWS_SHARED_CREDENTIALS_FILE=" + w.creds,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
		"KAGI_STATE_DIR=" + w.state,
		"XDG_CONFIG_HOME=" + w.xdgConfig,
		"XDG_RUNTIME_DIR=" + w.xdgRuntime,
		"KAGI_KEYRING_BACKEND=" + w.backend,
	}
	if w.info != nil {
		base = append(base, "AWS_ENDPOINT_URL="+w.info.EndpointURL)
	}
	return eeMergeEnv(append(append(base, w.extra...), extra...))
}

// eeMergeEnv keeps the last setting of each variable and drops those whose last entry is a bare "NAME".
func eeMergeEnv(entries []string) []string {
	last := map[string]string{}
	var order []string
	for _, e := range entries {
		k, _, _ := strings.Cut(e, "=")
		if _, seen := last[k]; !seen {
			order = append(order, k)
		}
		last[k] = e
	}
	var out []string
	for _, k := range order {
		if e := last[k]; strings.Contains(e, "=") {
			out = append(out, e)
		}
	}
	return out
}

// eeResult is one finished process.
type eeResult struct {
	name           string
	stdout, stderr string
	code           int
	elapsed        time.Duration
}

func (r eeResult) String() string {
	return fmt.Sprintf("%s: exit %d after %v\nstdout: %q\nstderr: %q", r.name, r.code, r.elapsed.Round(time.Millisecond), r.stdout, r.stderr)
}

// command builds a process for name ("kagi", "kagi-credential-process", a path or a command on PATH) in the world, in a new
// session without a controlling terminal: /dev/tty cannot be opened, as under the AWS CLI in CI.
func (w *eeWorld) command(ctx context.Context, extraEnv []string, name string, args ...string) *exec.Cmd {
	path := name
	if name == "kagi" || name == "kagi-credential-process" {
		path = filepath.Join(w.s.binDir, name)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = w.env(extraEnv...)
	cmd.Dir = w.home
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// eeExec runs cmd to the end; the error is for anything but an exit status.
func eeExec(cmd *exec.Cmd) (eeResult, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := eeResult{name: filepath.Base(cmd.Path) + " " + strings.Join(cmd.Args[1:], " "), stdout: stdout.String(),
		stderr: stderr.String(), elapsed: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		r.code = exit.ExitCode()
	default:
		return r, fmt.Errorf("%s: %w", r.name, err)
	}
	return r, nil
}

// run runs name with args in the world and returns how it ended; it fails the test if it could not run or
// took over a minute.
func (w *eeWorld) run(extraEnv []string, name string, args ...string) eeResult {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := eeExec(w.command(ctx, extraEnv, name, args...))
	if err != nil {
		w.t.Fatalf("%v\n%s", err, r)
	}
	return r
}

// eeCredentialJSON is the credential_process document.
type eeCredentialJSON struct {
	Version         int
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

// credentials runs a credential_process command that must succeed and returns its parsed output.
func (w *eeWorld) credentials(extraEnv []string, name string, args ...string) (eeCredentialJSON, eeResult) {
	w.t.Helper()
	r := w.run(extraEnv, name, args...)
	if r.code != 0 {
		w.t.Fatalf("%s", r)
	}
	return eeParseCredentials(w.t, r), r
}

func eeParseCredentials(t *testing.T, r eeResult) eeCredentialJSON {
	t.Helper()
	var c eeCredentialJSON
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("%s: output is not the credential_process JSON: %v\n%s", r.name, err, r)
	}
	exp, err := time.Parse(time.RFC3339, c.Expiration)
	if c.Version != 1 || !strings.HasPrefix(c.AccessKeyId, "ASIA") || c.SecretAccessKey == "" || c.SessionToken == "" ||
		err != nil || time.Until(exp) < 15*time.Minute {
		t.Fatalf("%s: credential_process JSON %+v: want Version 1, an ASIA key with secret and token, and an expiry at least 15 min away (%v)", r.name, c, err)
	}
	return c
}

// eeCalls is GET /_localaws/calls.
type eeCalls struct {
	Calls  map[string]int `json:"calls"`
	Errors map[string]int `json:"errors"`
}

// calls fetches the endpoint's call counters.
func (w *eeWorld) calls() eeCalls {
	w.t.Helper()
	return eeGetCalls(w.t, w.info.EndpointURL)
}

func eeGetCalls(t *testing.T, endpoint string) eeCalls {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(endpoint + "/_localaws/calls")
	if err != nil {
		t.Fatalf("GET /_localaws/calls: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var c eeCalls
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &c) != nil {
		t.Fatalf("GET /_localaws/calls: %s\n%s", resp.Status, body)
	}
	return c
}

// wantSTS checks the endpoint's GetSessionToken and AssumeRole counts.
func (w *eeWorld) wantSTS(when string, gst, ar int) eeCalls {
	w.t.Helper()
	c := w.calls()
	if c.Calls["GetSessionToken"] != gst || c.Calls["AssumeRole"] != ar {
		w.t.Fatalf("%s: endpoint calls %v (errors %v), want GetSessionToken %d and AssumeRole %d", when, c.Calls, c.Errors, gst, ar)
	}
	return c
}

// mfaRunCount is how often the world's mfa_process ran.
func (w *eeWorld) mfaRunCount() int {
	w.t.Helper()
	b, err := os.ReadFile(w.mfaRuns)
	if errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

// store runs a keyring operation through the session package in a child process with the world's
// environment (see TestEEHelperProcess) and returns its output.
func (w *eeWorld) store(args ...string) string {
	w.t.Helper()
	out, err := w.storeErr(args...)
	if err != nil {
		w.t.Fatalf("keyring %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (w *eeWorld) storeErr(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"-test.run=^TestEEHelperProcess$", "--"}, args...)...)
	// The race detector sleeps a second at exit unless told otherwise.
	cmd.Env = w.env(eeHelperEnv+"=1", "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

// keyProfiles lists the world's profiles that have a long-term key in its keyring (other tests share the
// keyctl keyring).
func (w *eeWorld) keyProfiles() []string {
	w.t.Helper()
	var mine []string
	for _, p := range strings.Fields(w.store("keys")) {
		if slices.Contains(w.profiles, p) {
			mine = append(mine, p)
		}
	}
	return mine
}

const eeHelperEnv = "KAGI_EE_HELPER"

// TestEEHelperProcess is not a test: eeWorld.store runs the test binary with -test.run=^TestEEHelperProcess$
// and KAGI_EE_HELPER=1 to use the session package's keyring store with a subtest's environment.
//
//	put-key PROFILE ID SECRET   store a long-term key
//	keys                        print the profiles with a key, one a line
//	entries                     print the cached entries as KIND PROFILE, one a line
//	clear PROFILE...            remove the cached entries of the profiles
//	remove PROFILE...           remove the cached entries and keys of the profiles
func TestEEHelperProcess(t *testing.T) {
	if os.Getenv(eeHelperEnv) != "1" {
		return
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	if err := eeHelperMain(args); err != nil {
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
