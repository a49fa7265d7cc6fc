package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kagi-cli/kagi/awsx/localaws"
)

// cliResult is one in-process kagi run.
type cliResult struct {
	code           int
	stdout, stderr string
}

func cliRun(t *testing.T, ctx context.Context, env map[string]string, args ...string) cliResult {
	t.Helper()
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["HOME"]; !ok {
		env["HOME"] = t.TempDir()
	}
	if _, ok := env["KAGI_SESSION_CACHE"]; !ok {
		// Sessions stay in the test's own keyring: the kernel keyring is shared by every test of this user.
		env["KAGI_SESSION_CACHE"] = "backend"
	}
	var out, errOut bytes.Buffer
	code := run(ctx, args, &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, env: func(k string) string { return env[k] }})
	return cliResult{code, out.String(), errOut.String()}
}

func cliEndpoint(t *testing.T, scenario string) (*localaws.Server, *localaws.Seeded, map[string]string) {
	t.Helper()
	srv := localaws.New(localaws.Options{})
	seeded, err := srv.Seed(scenario)
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv, seeded, map[string]string{
		"AWS_ACCESS_KEY_ID": seeded.AccessKeyID, "AWS_SECRET_ACCESS_KEY": seeded.SecretAccessKey, "AWS_ENDPOINT_URL": url,
	}
}

func TestCLIVersion(t *testing.T) {
	r := cliRun(t, context.Background(), nil, "version", "--json")
	var v map[string]string
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &v) != nil || v["version"] != version || v["commit"] != commit {
		t.Fatalf("version --json: %+v", r)
	}
	if r := cliRun(t, context.Background(), nil, "version"); !strings.HasPrefix(r.stdout, "kagi "+version+" (commit ") {
		t.Fatalf("version: %q", r.stdout)
	}
}

func TestCLIUsageErrorsExit2WithOneSentence(t *testing.T) {
	for _, args := range [][]string{{"nope"}, {"whoami", "--bogus"}, {"whoami", "extra-arg"}, {"version", "--json=maybe"},
		{"demo", "serve", "--scenario", "bogus"}, {"demo", "serve", "--addr", "0.0.0.0:0"}} {
		r := cliRun(t, context.Background(), nil, args...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != exitUsage || r.stdout != "" || !strings.HasPrefix(lines[0], "kagi: ") || len(lines) > 2 {
			t.Errorf("kagi %v: code %d stdout %q stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

func TestCLIWhoami(t *testing.T) {
	_, seeded, env := cliEndpoint(t, localaws.ScenarioOnboarded)
	r := cliRun(t, context.Background(), env, "whoami")
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("whoami: %+v", r)
	}
	for _, want := range []string{"Account:  000000000000", "ARN:      arn:aws:iam::000000000000:user/alice", "User:     alice", "MFA:      " + seeded.MFASerial} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("whoami output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = cliRun(t, context.Background(), env, "whoami", "--json")
	var id struct {
		Account    string `json:"account"`
		UserName   string `json:"user_name"`
		MFADevices []struct {
			SerialNumber string `json:"serial_number"`
		} `json:"mfa_devices"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &id); err != nil || id.UserName != "alice" || len(id.MFADevices) != 1 {
		t.Fatalf("whoami --json: %v %+v %q", err, id, r.stdout)
	}
}

func TestCLIWhoamiErrors(t *testing.T) {
	_, _, env := cliEndpoint(t, localaws.ScenarioNewUser)
	badSecret := map[string]string{"AWS_ACCESS_KEY_ID": env["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY": "wrong", "AWS_ENDPOINT_URL": env["AWS_ENDPOINT_URL"]}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no credentials", map[string]string{}, "No AWS credentials found"},
		{"wrong secret", badSecret, "AWS did not accept your credentials"},
		{"endpoint unreachable", map[string]string{"AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "x", "AWS_ENDPOINT_URL": "http://127.0.0.1:1"}, "Could not reach the AWS endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cliRun(t, context.Background(), tt.env, "whoami")
			if r.code != exitError || r.stdout != "" || !strings.Contains(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 {
				t.Fatalf("code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
			}
			if strings.Contains(r.stderr, "wrong") {
				t.Errorf("stderr echoes the secret: %q", r.stderr)
			}
		})
	}
}

func TestCLIAbortExits130(t *testing.T) {
	srv, _, env := cliEndpoint(t, localaws.ScenarioNewUser)
	srv.InjectFault("GetCallerIdentity", localaws.Fault{Latency: 3 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel) // what SIGINT does to the signal context in main
	if r := cliRun(t, ctx, env, "whoami"); r.code != exitAbort || r.stdout != "" {
		t.Fatalf("whoami interrupted: %+v", r)
	}
}

func TestCLIDebugFileIsPrivateAndRedacted(t *testing.T) {
	_, seeded, env := cliEndpoint(t, localaws.ScenarioNewUser)
	logPath := filepath.Join(t.TempDir(), "debug.log")
	if r := cliRun(t, context.Background(), env, "whoami", "--debug-file", logPath); r.code != exitOK {
		t.Fatalf("whoami: %+v", r)
	}
	info, err := os.Stat(logPath)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("debug log: %v mode %v", err, info.Mode())
	}
	data, _ := os.ReadFile(logPath)
	if !strings.Contains(string(data), "sts GetCallerIdentity") || strings.Contains(string(data), seeded.SecretAccessKey) {
		t.Fatalf("debug log content:\n%s", data)
	}
}

func TestCLIDemoServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var errOut bytes.Buffer
		done <- run(ctx, []string{"demo", "serve", "--scenario", "onboarded"}, &app{stdin: strings.NewReader(""), stdout: pw, stderr: &errOut, env: func(string) string { return "" }})
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("read demo line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	var info struct {
		EndpointURL, AccessKeyID, SecretAccessKey, MFASerial, MFASecret, UserName, Password, Region, AccountID string
		Roles                                                                                                  map[string]string
	}
	dec := json.NewDecoder(strings.NewReader(line))
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		t.Fatalf("demo line is not JSON: %q", line)
	}
	for _, key := range []string{"endpoint_url", "region", "account_id", "user_name", "password", "access_key_id", "secret_access_key", "roles", "mfa_serial", "mfa_secret"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("demo line lacks %q: %s", key, line)
		}
	}
	info.EndpointURL, _ = raw["endpoint_url"].(string)
	info.AccessKeyID, _ = raw["access_key_id"].(string)
	info.SecretAccessKey, _ = raw["secret_access_key"].(string)
	r := cliRun(t, context.Background(), map[string]string{"AWS_ACCESS_KEY_ID": info.AccessKeyID, "AWS_SECRET_ACCESS_KEY": info.SecretAccessKey},
		"whoami", "--endpoint-url", info.EndpointURL)
	if r.code != exitOK || !strings.Contains(r.stdout, "alice") {
		t.Fatalf("whoami against demo serve: %+v", r)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("demo serve exit code %d after shutdown", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("demo serve did not stop")
	}
}
