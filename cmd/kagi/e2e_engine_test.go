//go:build linux

package main_test

// The credential engine end to end: the AWS CLI and the SDK's credential_process provider run kagi (and the
// warm-path binary) against `kagi demo serve`; exec, export and assume; 32 concurrent cold starts; a config
// edit that must bypass the cache. See e2e_helpers_test.go for the machinery.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"gopkg.in/ini.v1"
)

func eeEngine(t *testing.T, s *eeSuite) {
	t.Run("AWSCLIWarmPathKeyctl", func(t *testing.T) {
		t.Parallel()
		eeAWSCLIFlow(t, s, "keyctl", "kagi-credential-process")
	})
	t.Run("AWSCLIFileBackend", func(t *testing.T) {
		t.Parallel()
		eeAWSCLIFlow(t, s, "file", "kagi credential-process", "KAGI_FILE_PASSPHRASE=ee-file-passphrase")
	})
	t.Run("SDKProcessProvider", func(t *testing.T) { t.Parallel(); eeSDKProcessProvider(t, s) })
	t.Run("Concurrent32", func(t *testing.T) { t.Parallel(); eeConcurrent(t, s, 32) })
	t.Run("ConcurrentFailure", func(t *testing.T) { t.Parallel(); eeConcurrentFailure(t, s, 8) })
	t.Run("ExecExport", func(t *testing.T) { t.Parallel(); eeExecExport(t, s) })
	t.Run("AssumeThenWarmThenConfigEdit", func(t *testing.T) { t.Parallel(); eeAssumeAndConfigEdit(t, s) })
}

// eeAWSCLIFlow: `aws sts get-caller-identity --profile X-cli` with credential_process = <command> X returns
// the assumed role, and the second call makes no STS call.
func eeAWSCLIFlow(t *testing.T, s *eeSuite, backend, command string, extra ...string) {
	awsBin := eeTool(t, "aws", "KAGI_TEST_AWS")
	s.need(t, backend)
	info := s.serve(t)
	w := s.world(t, info, backend, extra...)
	w.writeConfig(strings.Replace(eeStdConfig, "kagi-credential-process {admin}", command+" {admin}", 1))
	w.writeCreds()

	wantARN := "arn:aws:sts::" + info.AccountID + ":assumed-role/iam-role-admin/"
	identity := func(when string) {
		t.Helper()
		r := w.run(nil, awsBin, "--endpoint-url", info.EndpointURL, "--output", "json", "sts", "get-caller-identity", "--profile", w.cli)
		var id struct{ Arn, Account string }
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &id) != nil {
			t.Fatalf("%s: %s", when, r)
		}
		if !strings.HasPrefix(id.Arn, wantARN) || id.Account != info.AccountID {
			t.Fatalf("%s: get-caller-identity = %+v, want an Arn starting %s", when, id, wantARN)
		}
		t.Logf("%s: aws sts get-caller-identity in %v: %s", when, r.elapsed.Round(time.Millisecond), id.Arn)
	}
	identity("cold")
	if c := w.wantSTS("after the first CLI call", 1, 1); c.Calls["GetCallerIdentity"] != 1 {
		t.Fatalf("after the first CLI call: %v, want one GetCallerIdentity", c.Calls)
	}
	identity("warm")
	if c := w.wantSTS("after the second CLI call", 1, 1); c.Calls["GetCallerIdentity"] != 2 || len(c.Errors) != 0 {
		t.Fatalf("after the second CLI call: %v (errors %v), want only a second GetCallerIdentity", c.Calls, c.Errors)
	}
	if n := w.mfaRunCount(); n != 1 {
		t.Fatalf("mfa_process ran %d times, want 1", n)
	}
}

// eeSDKProcessProvider: the SDK's own credential_process provider parses kagi's output.
func eeSDKProcessProvider(t *testing.T, s *eeSuite) {
	s.need(t, "keyctl")
	info := s.serve(t)
	w := s.world(t, info, "keyctl")
	w.writeConfig(eeStdConfig)
	w.writeCreds()

	command := "kagi credential-process " + w.admin
	// processcreds.NewProvider(command) runs `sh -c command` with os.Environ(); the same with the world's.
	provider := processcreds.NewProviderCommand(processcreds.NewCommandBuilderFunc(func(ctx context.Context) (*exec.Cmd, error) {
		cmd := exec.CommandContext(ctx, "sh", "-c", command)
		cmd.Env = w.env()
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		return cmd, nil
	}), func(o *processcreds.Options) { o.Timeout = time.Minute })
	ctx := context.Background()
	creds, err := provider.Retrieve(ctx)
	if err != nil {
		t.Fatalf("processcreds Retrieve: %v", err)
	}
	if !strings.HasPrefix(creds.AccessKeyID, "ASIA") || creds.SecretAccessKey == "" || creds.SessionToken == "" {
		t.Fatalf("processcreds credentials %+v: want an ASIA key with secret and token", creds)
	}
	if !creds.CanExpire || time.Until(creds.Expires) < 15*time.Minute || time.Until(creds.Expires) > time.Hour+time.Minute {
		t.Fatalf("processcreds credentials: CanExpire %v, Expires %v: want an expiring role session of about an hour", creds.CanExpire, creds.Expires)
	}
	w.wantSTS("after the first Retrieve", 1, 1)

	// Through the SDK's credentials cache, as a client uses it: the cached session, no STS call.
	cached, err := aws.NewCredentialsCache(provider).Retrieve(ctx)
	if err != nil {
		t.Fatalf("cached Retrieve: %v", err)
	}
	if cached.AccessKeyID != creds.AccessKeyID || !cached.Expires.Equal(creds.Expires) {
		t.Fatalf("second Retrieve: key %s until %v, want the cached %s until %v", cached.AccessKeyID, cached.Expires, creds.AccessKeyID, creds.Expires)
	}
	w.wantSTS("after the second Retrieve", 1, 1)
}

// eeConcurrent: n concurrent cold kagi-credential-process runs make one prompt, one GetSessionToken and one
// AssumeRole, and all print the same key. One cold run on its own endpoint gives the time to compare with.
func eeConcurrent(t *testing.T, s *eeSuite, n int) {
	s.need(t, "keyctl")
	single := s.world(t, s.serve(t), "keyctl")
	single.writeConfig(eeStdConfig)
	single.writeCreds()
	_, one := single.credentials(nil, "kagi-credential-process", single.admin)
	_, warm := single.credentials(nil, "kagi-credential-process", single.admin)

	w := s.world(t, s.serve(t), "keyctl")
	w.writeConfig(eeStdConfig)
	w.writeCreds()
	// The mfa_process notes any queue lock among its open files: kagi must not let its children inherit it.
	held := filepath.Join(w.root, "mfa-held-locks")
	eeWriteScript(t, w.mfaScript, fmt.Sprintf("for f in /proc/$$/fd/*; do readlink \"$f\"; done | grep '/queue-' >> %s\necho run >> %s\nexec %s --totp -b %s\n",
		eeShQuote(held), eeShQuote(w.mfaRuns), eeShQuote(s.oathtool), eeShQuote(w.info.MFASecret)))
	start := time.Now()
	results, starts := w.concurrentCredentialProcess(n)
	all := time.Since(start)
	var key string
	for i, r := range results {
		if r.code != 0 {
			t.Fatalf("process %d of %d:\n%s", i, n, r)
		}
		c := eeParseCredentials(t, r)
		if key == "" {
			key = c.AccessKeyId
		}
		if c.AccessKeyId != key {
			t.Fatalf("process %d printed key %s, process 0 %s: want one session for all", i, c.AccessKeyId, key)
		}
	}
	w.wantSTS("after the concurrent runs", 1, 1)
	if m := w.mfaRunCount(); m != 1 {
		t.Fatalf("mfa_process ran %d times for %d concurrent processes, want 1", m, n)
	}
	// The misses queue in kagi-credential-process: one of them starts kagi, the rest answer from the keyring.
	if starts != 1 {
		t.Fatalf("kagi started %d times for %d concurrent kagi-credential-process calls, want 1", starts, n)
	}
	if b, err := os.ReadFile(held); err != nil || len(b) != 0 {
		t.Fatalf("mfa_process inherited the queue lock (%v): %q", err, b)
	}
	t.Logf("cold kagi-credential-process: 1 process %v (warm afterwards %v); %d concurrent processes %v in all",
		one.elapsed.Round(time.Millisecond), warm.elapsed.Round(time.Millisecond), n, all.Round(time.Millisecond))
}

// eeExecExport: kagi exec runs the command with the session and its exit code; nested sessions are refused
// unless --nested; kagi export prints the same cached session in three formats.
func eeExecExport(t *testing.T, s *eeSuite) {
	s.need(t, "keyctl")
	w := s.world(t, s.serve(t), "keyctl")
	w.writeConfig(eeStdConfig)
	w.writeCreds()

	// The parent's credential variables must not reach the command.
	parent := []string{"AWS_ACCESS_KEY_ID=AKIAPARENTPARENTPARE", "AWS_SECRET_ACCESS_KEY=parent-secret", "AWS_SESSION_TOKEN=parent-token", "AWS_PROFILE=parent"}
	script := `echo "$AWS_ACCESS_KEY_ID" "$KAGI_PROFILE" "${AWS_PROFILE-unset}" "${#AWS_SESSION_TOKEN}" "$AWS_REGION" "$AWS_CREDENTIAL_EXPIRATION"; exit 7`
	r := w.run(parent, "kagi", "exec", w.admin, "--", "sh", "-c", script)
	f := strings.Fields(r.stdout)
	if r.code != 7 || r.stderr != "" || len(f) != 6 {
		t.Fatalf("kagi exec: want exit 7, six words on stdout and no stderr\n%s", r)
	}
	key := f[0]
	exp, err := time.Parse(time.RFC3339, f[5])
	if !strings.HasPrefix(key, "ASIA") || f[1] != w.admin || f[2] != "unset" || f[3] == "0" || f[4] != "us-east-1" || err != nil || time.Until(exp) < 15*time.Minute {
		t.Fatalf("kagi exec: the command saw key %s, KAGI_PROFILE %s, AWS_PROFILE %s, a token of %s characters, region %s, expiry %s; want an ASIA key, %s, unset, a token, us-east-1 and a future expiry",
			f[0], f[1], f[2], f[3], f[4], f[5], w.admin)
	}
	w.wantSTS("after kagi exec", 1, 1)

	// Inside a kagi session: refused before any STS call, unless --nested.
	nested := []string{"KAGI_PROFILE=outer"}
	r = w.run(nested, "kagi", "exec", w.admin, "--", "sh", "-c", "echo ran")
	if line := eeOneLine(t, r, 1); !strings.Contains(line, `"outer"`) || !strings.Contains(line, "--nested") {
		t.Errorf("nested kagi exec: %q, want the outer profile and --nested named", line)
	}
	r = w.run(nested, "kagi", "exec", "--nested", w.admin, "--", "sh", "-c", `echo "$KAGI_PROFILE" "$AWS_ACCESS_KEY_ID"`)
	if r.code != 0 || r.stdout != w.admin+" "+key+"\n" {
		t.Fatalf("kagi exec --nested: want %q\n%s", w.admin+" "+key, r)
	}

	// export: env (as the shell evaluates it), json and ini, all the cached session.
	r = w.run(nil, "kagi", "export", w.admin, "--format", "env")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("kagi export --format env\n%s", r)
	}
	line := regexp.MustCompile(`^export [A-Z_]+='[^']*'$`)
	vars := map[string]string{}
	for _, l := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		if !line.MatchString(l) {
			t.Fatalf("kagi export --format env: line %q is not export NAME='value'", l)
		}
		k, v, _ := strings.Cut(strings.TrimPrefix(l, "export "), "=")
		vars[k] = strings.Trim(v, "'")
	}
	if vars["AWS_ACCESS_KEY_ID"] != key || vars["AWS_SECRET_ACCESS_KEY"] == "" || vars["AWS_SESSION_TOKEN"] == "" ||
		vars["KAGI_PROFILE"] != w.admin || vars["AWS_REGION"] != "us-east-1" || vars["AWS_CREDENTIAL_EXPIRATION"] != f[5] {
		t.Fatalf("kagi export --format env: %v, want the session of %s", vars, key)
	}
	evaluated := w.run(nil, "sh", "-c", `eval "$1"; echo "$AWS_ACCESS_KEY_ID $KAGI_PROFILE"`, "sh", r.stdout)
	if evaluated.stdout != key+" "+w.admin+"\n" {
		t.Fatalf("eval of kagi export: %s", evaluated)
	}

	c, _ := w.credentials(nil, "kagi", "export", w.admin, "--format", "json")
	if c.AccessKeyId != key || c.SecretAccessKey != vars["AWS_SECRET_ACCESS_KEY"] || c.SessionToken != vars["AWS_SESSION_TOKEN"] || c.Expiration != f[5] {
		t.Fatalf("kagi export --format json: %+v, want the session of %s", c, key)
	}

	r = w.run(nil, "kagi", "export", w.admin, "--format", "ini")
	file, err := ini.Load([]byte(r.stdout))
	if r.code != 0 || err != nil {
		t.Fatalf("kagi export --format ini: %v\n%s", err, r)
	}
	sec, err := file.GetSection(w.admin)
	if err != nil || sec.Key("aws_access_key_id").String() != key || sec.Key("aws_secret_access_key").String() != c.SecretAccessKey ||
		sec.Key("aws_session_token").String() != c.SessionToken {
		t.Fatalf("kagi export --format ini: want [%s] with the session of %s (%v)\n%s", w.admin, key, err, r.stdout)
	}
	w.wantSTS("after kagi export", 1, 1)
	if n := w.mfaRunCount(); n != 1 {
		t.Fatalf("mfa_process ran %d times, want 1", n)
	}
}

// eeAssumeAndConfigEdit: kagi assume fills the cache the warm path reads; editing the role profile makes
// both paths bypass the cache for it.
func eeAssumeAndConfigEdit(t *testing.T, s *eeSuite) {
	s.need(t, "keyctl")
	w := s.world(t, s.serve(t), "keyctl")
	w.writeConfig(eeStdConfig)
	w.writeCreds()

	r := w.run(nil, "kagi", "assume", w.admin)
	if r.code != 0 || r.stdout != "" || !strings.HasPrefix(r.stderr, w.admin+": new session until ") || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("kagi assume: want one line on stderr about a new session\n%s", r)
	}
	w.wantSTS("after kagi assume", 1, 1)
	c, warm := w.credentials(nil, "kagi-credential-process", w.admin)
	w.wantSTS("after kagi-credential-process", 1, 1)
	var status struct {
		FromCache   bool   `json:"from_cache"`
		AccessKeyID string `json:"access_key_id"`
		Source      string `json:"source_profile"`
	}
	r = w.run(nil, "kagi", "assume", w.admin, "--json")
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &status) != nil || !status.FromCache || status.AccessKeyID != c.AccessKeyId || status.Source != w.dev {
		t.Fatalf("kagi assume --json: want from_cache with key %s from %s\n%s", c.AccessKeyId, w.dev, r)
	}
	if strings.Contains(r.stdout, c.SecretAccessKey) || strings.Contains(r.stdout, c.SessionToken) {
		t.Fatalf("kagi assume --json prints a secret: %s", r.stdout)
	}
	t.Logf("warm kagi-credential-process after kagi assume: %v", warm.elapsed.Round(time.Millisecond))

	// The admin profile now names the operator role, which alice may not assume: the cached admin session
	// must not be handed out; the source's MFA session is still good (no new code).
	w.writeConfig(strings.Replace(eeStdConfig, "{adminARN}", "{operatorARN}", 1))
	for _, cmd := range [][]string{{"kagi-credential-process", w.admin}, {"kagi", "credential-process", w.admin}} {
		r = w.run(nil, cmd[0], cmd[1:]...)
		if line := eeOneLine(t, r, 1); !strings.Contains(line, "Access was denied") {
			t.Errorf("%s after the role changed: %q, want the access-denied sentence", strings.Join(cmd, " "), line)
		}
	}
	if got := w.wantSTS("after the role changed", 1, 3); got.Errors["AssumeRole:AccessDenied"] != 2 {
		t.Fatalf("after the role changed: errors %v, want two AssumeRole:AccessDenied", got.Errors)
	}

	// Back to the admin role: the cached admin session is good again, without STS.
	w.writeConfig(eeStdConfig)
	for _, cmd := range [][]string{{"kagi-credential-process", w.admin}, {"kagi-credential-process", w.admin}, {"kagi", "credential-process", w.admin}} {
		if again, _ := w.credentials(nil, cmd[0], cmd[1:]...); again != c {
			t.Fatalf("%s after the config was restored: %+v, want the cached %+v", strings.Join(cmd, " "), again, c)
		}
	}
	w.wantSTS("after the config was restored", 1, 3)
	if n := w.mfaRunCount(); n != 1 {
		t.Fatalf("mfa_process ran %d times, want 1", n)
	}
}
