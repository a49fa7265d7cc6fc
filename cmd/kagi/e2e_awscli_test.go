package main_test

// End to end with the real AWS CLI: the kagi binary is built, `kagi demo serve` runs as a separate process,
// and the `aws` CLI walks the demo user's first login against it — denied before MFA, a virtual MFA device
// registered with codes from oathtool, an MFA session, then the admin role. Nothing here links localaws:
// the endpoint is seen only through the CLI and its /_localaws/calls counters.
//
// Helpers are prefixed "e2e".

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// e2eServeInfo is the JSON line `kagi demo serve` prints.
type e2eServeInfo struct {
	EndpointURL     string            `json:"endpoint_url"`
	Scenario        string            `json:"scenario"`
	AccountID       string            `json:"account_id"`
	Region          string            `json:"region"`
	UserName        string            `json:"user_name"`
	AccessKeyID     string            `json:"access_key_id"`
	SecretAccessKey string            `json:"secret_access_key"`
	Roles           map[string]string `json:"roles"`
}

// e2eCreds are the credentials one aws invocation signs with.
type e2eCreds struct{ id, secret, token string }

func TestE2EAWSCLIFirstLogin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kagi and runs the AWS CLI")
	}
	if runtime.GOOS == "windows" {
		t.Skip("stops kagi with SIGTERM")
	}
	awsBin := e2eTool(t, "aws", "KAGI_TEST_AWS")
	oathBin := e2eTool(t, "oathtool", "")
	info := e2eServe(t, e2eBuild(t), "new-user")
	home := t.TempDir()
	cli := func(c e2eCreds, args ...string) (stdout, stderr string, code int) {
		t.Helper()
		return e2eAWS(t, awsBin, home, info.EndpointURL, c, args...)
	}
	// must runs a CLI command that has to succeed and parses its JSON output into v (nil: ignore it).
	must := func(c e2eCreds, v any, args ...string) {
		t.Helper()
		stdout, stderr, code := cli(c, args...)
		if code != 0 {
			t.Fatalf("aws %s: exit %d\nstderr: %s\nstdout: %s", strings.Join(args, " "), code, stderr, stdout)
		}
		if v != nil {
			if err := json.Unmarshal([]byte(stdout), v); err != nil {
				t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, stdout)
			}
		}
	}
	long := e2eCreds{id: info.AccessKeyID, secret: info.SecretAccessKey}
	userARN := "arn:aws:iam::" + info.AccountID + ":user/" + info.UserName

	// Who am I: the long-term key of the demo user.
	var ident struct{ Arn, Account string }
	must(long, &ident, "sts", "get-caller-identity")
	if ident.Arn != userARN || ident.Account != info.AccountID {
		t.Fatalf("get-caller-identity = %+v, want Arn %s in account %s", ident, userARN, info.AccountID)
	}

	// Before MFA the forced-MFA policy denies everything but MFA setup.
	_, stderr, code := cli(long, "iam", "list-access-keys")
	if code != 254 && code != 255 {
		t.Fatalf("iam list-access-keys without MFA: exit %d, want 254 or 255 (a service error)\nstderr: %s", code, stderr)
	}
	if !strings.Contains(stderr, "AccessDenied") {
		t.Fatalf("iam list-access-keys without MFA: stderr does not name AccessDenied:\n%s", stderr)
	}

	// Register a virtual MFA device; the CLI writes the decoded base32 seed to the outfile.
	seedFile := filepath.Join(t.TempDir(), "seed.txt")
	var created struct{ VirtualMFADevice struct{ SerialNumber string } }
	must(long, &created, "iam", "create-virtual-mfa-device",
		"--virtual-mfa-device-name", info.UserName, "--outfile", seedFile, "--bootstrap-method", "Base32StringSeed")
	serial := created.VirtualMFADevice.SerialNumber
	if want := "arn:aws:iam::" + info.AccountID + ":mfa/" + info.UserName; serial != want {
		t.Fatalf("create-virtual-mfa-device SerialNumber = %q, want %q", serial, want)
	}
	raw, err := os.ReadFile(seedFile)
	if err != nil {
		t.Fatalf("read the seed the CLI wrote: %v", err)
	}
	seed := strings.TrimSpace(string(raw))
	if !regexp.MustCompile(`^[A-Z2-7]{16,}=*$`).MatchString(seed) {
		t.Fatalf("seed file holds %q, want a base32 seed", seed)
	}

	// Two consecutive codes, as the user types them: the previous step's and the current one. One reference
	// time for both, so they are consecutive even if a step boundary passes in between.
	t0 := time.Now()
	code1 := e2eTOTP(t, oathBin, seed, t0.Add(-30*time.Second))
	code2 := e2eTOTP(t, oathBin, seed, t0)
	must(long, nil, "iam", "enable-mfa-device", "--user-name", info.UserName,
		"--serial-number", serial, "--authentication-code1", code1, "--authentication-code2", code2)

	var devices struct {
		MFADevices []struct{ UserName, SerialNumber string }
	}
	must(long, &devices, "iam", "list-mfa-devices")
	if len(devices.MFADevices) != 1 || devices.MFADevices[0].SerialNumber != serial || devices.MFADevices[0].UserName != info.UserName {
		t.Fatalf("list-mfa-devices = %+v, want the one device %s of %s", devices.MFADevices, serial, info.UserName)
	}

	// Both codes are spent (AWS rejects a code used in its window): sign in with a later step's code — the
	// current step once it has moved past code2's, else the next one, which the endpoint's ±1 step skew takes.
	at := time.Now()
	if e2eStep(at) <= e2eStep(t0) {
		at = at.Add(30 * time.Second)
	}
	var gst struct {
		Credentials struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration string }
	}
	must(long, &gst, "sts", "get-session-token", "--serial-number", serial, "--token-code", e2eTOTP(t, oathBin, seed, at))
	gc := gst.Credentials
	if !strings.HasPrefix(gc.AccessKeyId, "ASIA") || gc.SecretAccessKey == "" || gc.SessionToken == "" {
		t.Fatalf("get-session-token Credentials = %+v, want a full ASIA session", gc)
	}
	if exp, err := time.Parse(time.RFC3339, gc.Expiration); err != nil || !exp.After(time.Now()) {
		t.Fatalf("get-session-token Expiration %q: want a future RFC 3339 time (%v)", gc.Expiration, err)
	}
	mfa := e2eCreds{id: gc.AccessKeyId, secret: gc.SecretAccessKey, token: gc.SessionToken}

	// With the MFA session the user manages their own keys.
	var keys struct {
		AccessKeyMetadata []struct{ UserName, AccessKeyId, Status string }
	}
	must(mfa, &keys, "iam", "list-access-keys")
	if len(keys.AccessKeyMetadata) != 1 || keys.AccessKeyMetadata[0].AccessKeyId != info.AccessKeyID || keys.AccessKeyMetadata[0].Status != "Active" {
		t.Fatalf("list-access-keys with MFA = %+v, want the one active key %s", keys.AccessKeyMetadata, info.AccessKeyID)
	}

	// And may assume the admin role, whose trust requires MFA.
	adminARN := info.Roles["iam-role-admin"]
	if adminARN == "" {
		t.Fatalf("demo serve printed no iam-role-admin ARN: %+v", info.Roles)
	}
	var assumed struct {
		Credentials     struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration string }
		AssumedRoleUser struct{ AssumedRoleId, Arn string }
	}
	must(mfa, &assumed, "sts", "assume-role", "--role-arn", adminARN, "--role-session-name", "e2e")
	wantRoleARN := "arn:aws:sts::" + info.AccountID + ":assumed-role/iam-role-admin/e2e"
	if assumed.AssumedRoleUser.Arn != wantRoleARN || !strings.HasSuffix(assumed.AssumedRoleUser.AssumedRoleId, ":e2e") {
		t.Fatalf("assume-role AssumedRoleUser = %+v, want Arn %s", assumed.AssumedRoleUser, wantRoleARN)
	}
	role := e2eCreds{id: assumed.Credentials.AccessKeyId, secret: assumed.Credentials.SecretAccessKey, token: assumed.Credentials.SessionToken}
	must(role, &ident, "sts", "get-caller-identity")
	if ident.Arn != wantRoleARN {
		t.Fatalf("get-caller-identity as the role: Arn %s, want %s", ident.Arn, wantRoleARN)
	}

	// The endpoint saw exactly these calls: no retries, one denial.
	var counts struct {
		Calls  map[string]int `json:"calls"`
		Errors map[string]int `json:"errors"`
	}
	e2eGetJSON(t, info.EndpointURL+"/_localaws/calls", &counts)
	wantCalls := map[string]int{"GetCallerIdentity": 2, "ListAccessKeys": 2, "CreateVirtualMFADevice": 1, "EnableMFADevice": 1,
		"ListMFADevices": 1, "GetSessionToken": 1, "AssumeRole": 1}
	if !reflect.DeepEqual(counts.Calls, wantCalls) {
		t.Errorf("endpoint calls = %v, want %v", counts.Calls, wantCalls)
	}
	if wantErrs := map[string]int{"ListAccessKeys:AccessDenied": 1}; !reflect.DeepEqual(counts.Errors, wantErrs) {
		t.Errorf("endpoint errors = %v, want %v", counts.Errors, wantErrs)
	}
}

// e2eTool finds a command: $envVar if set, else PATH. Missing, it skips the test — except on CI, where the
// tools are installed by .ci/run and a missing one is a failure.
func e2eTool(t *testing.T, name, envVar string) string {
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
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required on CI: %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return p
}

// e2eBuild builds the kagi binary from this package into a temporary directory.
func e2eBuild(t *testing.T) string {
	t.Helper()
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		if goBin, err = exec.LookPath("go"); err != nil {
			t.Fatalf("no go toolchain to build kagi: %v", err)
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "kagi")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build kagi: %v\n%s", err, out)
	}
	return bin
}

// e2eServe starts `kagi demo serve --scenario scenario`, reads its JSON line and, at cleanup, stops it with
// SIGTERM and checks that it exits 0.
func e2eServe(t *testing.T, bin, scenario string) e2eServeInfo {
	t.Helper()
	cmd := exec.Command(bin, "demo", "serve", "--scenario", scenario)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stderr e2eBuffer
	cmd.Stderr = &stderr
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
		_, _ = io.Copy(io.Discard, r) // keep the pipe drained until the process exits
	}()
	exited := make(chan error, 1)
	stopped := false
	t.Cleanup(func() {
		if stopped {
			return
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Errorf("SIGTERM kagi demo serve: %v", err)
		}
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("kagi demo serve after SIGTERM: %v (want exit 0)\nstderr: %s", err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("kagi demo serve did not exit within 10s of SIGTERM\nstderr: %s", stderr.String())
		}
	})
	var got line
	select {
	case got = <-lines:
	case <-time.After(30 * time.Second):
		t.Fatalf("kagi demo serve printed no line within 30s\nstderr: %s", stderr.String())
	}
	if got.err != nil {
		stopped = true
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("read the line of kagi demo serve: %v\nstdout: %q\nstderr: %s", got.err, got.text, stderr.String())
	}
	var info e2eServeInfo
	if err := json.Unmarshal([]byte(got.text), &info); err != nil {
		t.Fatalf("kagi demo serve line is not JSON: %v\n%s", err, got.text)
	}
	if info.Scenario != scenario || !strings.HasPrefix(info.EndpointURL, "http://127.0.0.1:") || info.AccessKeyID == "" ||
		info.SecretAccessKey == "" || info.UserName == "" || info.AccountID == "" {
		t.Fatalf("kagi demo serve line lacks fields: %s", got.text)
	}
	return info
}

// e2eAWS runs the AWS CLI against endpoint with a clean environment: only the given credentials, an empty
// config and credentials file, a private HOME and no pager. It returns stdout, stderr and the exit code.
func e2eAWS(t *testing.T, awsBin, home, endpoint string, c e2eCreds, args ...string) (string, string, int) {
	t.Helper()
	empty := filepath.Join(home, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"), // the CLI may be a script (pip, pyenv shim) that needs its interpreter
		"HOME=" + home,
		"LANG=C.UTF-8",
		"AWS_ACCESS_KEY_ID=" + c.id,
		"AWS_SECRET_ACCESS_KEY=" + c.secret,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + empty,
		"AWS_SHARED_CREDENTIALS_FILE=" + empty,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
		"AWS_CLI_AUTO_PROMPT=off",
	}
	if c.token != "" {
		env = append(env, "AWS_SESSION_TOKEN="+c.token)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, awsBin, append([]string{"--endpoint-url", endpoint, "--output", "json"}, args...)...)
	cmd.Env = env
	cmd.Dir = home
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return stdout.String(), stderr.String(), 0
	case errors.As(err, &exit) && ctx.Err() == nil:
		return stdout.String(), stderr.String(), exit.ExitCode()
	default:
		t.Fatalf("aws %s: %v\nstderr: %s", strings.Join(args, " "), err, stderr.String())
		return "", "", -1
	}
}

// e2eTOTP is the code oathtool computes for seed at time at.
func e2eTOTP(t *testing.T, oathBin, seed string, at time.Time) string {
	t.Helper()
	out, err := exec.Command(oathBin, "--totp", "-b", "--now", "@"+strconv.FormatInt(at.Unix(), 10), seed).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			err = fmt.Errorf("%w: %s", err, exit.Stderr)
		}
		t.Fatalf("oathtool: %v", err)
	}
	code := strings.TrimSpace(string(out))
	if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(code) {
		t.Fatalf("oathtool printed %q, want six digits", code)
	}
	return code
}

// e2eStep is the 30-second TOTP step of t.
func e2eStep(t time.Time) int64 { return t.Unix() / 30 }

// e2eGetJSON fetches url and decodes its JSON body into v.
func e2eGetJSON(t *testing.T, url string, v any) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v\n%s", url, err, body)
	}
}

// e2eBuffer is a bytes.Buffer safe for the process's copy goroutine and the test reading it.
type e2eBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *e2eBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *e2eBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
