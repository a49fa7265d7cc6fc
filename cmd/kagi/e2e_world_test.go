//go:build linux

package main_test

// The world of one e2e test: a HOME with AWS config and credentials, a keyring backend, the mfa_process
// script, and the ways to run kagi in it and see what it did.

import (
	"bytes"
	"context"
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
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

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
		"KAGI_SESSION_CACHE=backend", // sessions in the world's own keyring; TestEE/SessionsInKeyctl tests the default
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
	return w.helper("TestEEHelperProcess", eeHelperEnv, args...)
}

// helper runs the helper-process test named test (see eeRunHelper) in the world's environment: stdout, or
// stdout and stderr with the error.
func (w *eeWorld) helper(test, envVar string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"-test.run=^" + test + "$", "--"}, args...)...)
	// The race detector sleeps a second at exit unless told otherwise.
	cmd.Env = w.env(envVar+"=1", "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
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
