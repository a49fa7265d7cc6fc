package session_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/session/warm"
)

// totpSource answers MFA requests with the endpoint's current code, like an authenticator app would.
type totpSource struct {
	srv    *localaws.Server
	secret string
	calls  atomic.Int32
}

func (s *totpSource) Token(_ context.Context, req session.TokenRequest) (string, error) {
	s.calls.Add(1)
	return localaws.CodeAt(s.secret, s.srv.Clock().Now()), nil
}

type engineFixture struct {
	srv    *localaws.Server
	seeded *localaws.Seeded
	engine *session.Engine
	tokens *totpSource
	config string
}

const engineConfig = `[profile dev]
region = us-east-1
mfa_serial = %[1]s

[profile admin]
source_profile = dev
role_arn = %[2]s

[profile operator]
source_profile = dev
role_arn = %[3]s

[profile chained]
source_profile = admin
role_arn = %[3]s
duration_seconds = 7200

[profile direct]
source_profile = dev
role_arn = %[2]s
kagi_mfa_on_assume = true
`

func newEngineFixture(t *testing.T) *engineFixture {
	t.Helper()
	srv := localaws.New(localaws.Options{})
	// Freeze the endpoint clock 5 s into a TOTP step, before seeding (keys are usable from their creation).
	srv.Clock().Set(time.Now().Truncate(30 * time.Second).Add(5 * time.Second))
	seeded, err := srv.Seed(localaws.ScenarioOnboarded)
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config")
	body := fmt.Sprintf(engineConfig, seeded.MFASerial, seeded.Roles["iam-role-admin"], seeded.Roles["iam-role-operator"])
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": dir, "AWS_CONFIG_FILE": cfgPath, "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"), "KAGI_STATE_DIR": filepath.Join(dir, "state")}
	store := session.NewStore(keyring.NewArrayKeyring(nil), "array")
	if err := store.PutKey("dev", session.LongTermKey{AccessKeyID: seeded.AccessKeyID, SecretAccessKey: seeded.SecretAccessKey}); err != nil {
		t.Fatal(err)
	}
	eng, err := session.Open(session.Options{Env: func(k string) string { return env[k] }, AWS: awsx.Config{Region: "us-east-1", IAMEndpoint: url, STSEndpoint: url, RetryMaxAttempts: 1}, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	tokens := &totpSource{srv: srv, secret: seeded.MFASecret}
	eng.Tokens = tokens
	eng.Now = srv.Clock().Now
	return &engineFixture{srv: srv, seeded: seeded, engine: eng, tokens: tokens, config: cfgPath}
}

func (f *engineFixture) calls(action string) int { return f.srv.Calls().Calls[action] }

func TestEngineColdThenWarm(t *testing.T) {
	f := newEngineFixture(t)
	ctx := context.Background()
	res, err := f.engine.Credentials(ctx, "admin")
	if err != nil {
		t.Fatalf("cold: %v", err)
	}
	if res.FromCache || !res.Prompted || res.Source != "dev" || f.calls("GetSessionToken") != 1 || f.calls("AssumeRole") != 1 || f.tokens.calls.Load() != 1 {
		t.Fatalf("cold result %+v; GetSessionToken %d AssumeRole %d prompts %d", res, f.calls("GetSessionToken"), f.calls("AssumeRole"), f.tokens.calls.Load())
	}
	// The credentials are the role's.
	id, err := awsx.WhoAmI(ctx, f.engine.STS(credsOf(res.Entry)), nil)
	if err != nil || id.RoleName != "iam-role-admin" {
		t.Fatalf("as the role: %+v %v", id, err)
	}
	again, err := f.engine.Credentials(ctx, "admin")
	if err != nil || !again.FromCache || again.Entry.AccessKeyID != res.Entry.AccessKeyID {
		t.Fatalf("warm: %+v %v", again, err)
	}
	if f.calls("AssumeRole") != 1 || f.calls("GetSessionToken") != 1 {
		t.Fatalf("warm call reached STS: %+v", f.srv.Calls())
	}
	// "direct" asks for MFA on AssumeRole itself: one more code (the next one: codes are single use), no
	// GetSessionToken.
	f.srv.Clock().Advance(30 * time.Second)
	if _, err := f.engine.Credentials(ctx, "direct"); err != nil {
		t.Fatalf("mfa on assume: %v", err)
	}
	if f.calls("GetSessionToken") != 1 || f.calls("AssumeRole") != 2 || f.tokens.calls.Load() != 2 {
		t.Fatalf("mfa-on-assume: GetSessionToken %d AssumeRole %d prompts %d", f.calls("GetSessionToken"), f.calls("AssumeRole"), f.tokens.calls.Load())
	}
}

func credsOf(e warm.Entry) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: e.AccessKeyID, SecretAccessKey: e.SecretAccessKey, SessionToken: e.SessionToken}, nil
	})
}

func TestEngineConcurrentColdCallsShareOnePrompt(t *testing.T) {
	f := newEngineFixture(t)
	const n = 32
	var wg sync.WaitGroup
	results := make([]*session.Result, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = f.engine.Credentials(context.Background(), "admin")
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if results[i].Entry.AccessKeyID != results[0].Entry.AccessKeyID {
			t.Fatalf("call %d got different credentials", i)
		}
	}
	if f.calls("GetSessionToken") != 1 || f.calls("AssumeRole") != 1 || f.tokens.calls.Load() != 1 {
		t.Fatalf("GetSessionToken %d AssumeRole %d prompts %d", f.calls("GetSessionToken"), f.calls("AssumeRole"), f.tokens.calls.Load())
	}
}

func TestEngineRefreshesInsideTheWindowAndOnConfigChange(t *testing.T) {
	f := newEngineFixture(t)
	ctx := context.Background()
	first, err := f.engine.Credentials(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	// 50 minutes later the 1-hour role session has 10 minutes left: inside the 15-minute window, so it is
	// refreshed from the still-valid MFA session without a prompt.
	f.srv.Clock().Advance(50 * time.Minute)
	second, err := f.engine.Credentials(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if second.FromCache || second.Entry.AccessKeyID == first.Entry.AccessKeyID || f.calls("AssumeRole") != 2 || f.tokens.calls.Load() != 1 {
		t.Fatalf("refresh: fromCache %v AssumeRole %d prompts %d", second.FromCache, f.calls("AssumeRole"), f.tokens.calls.Load())
	}
	// Editing the profile's role invalidates its cached session.
	body, _ := os.ReadFile(f.config)
	body = append(body, []byte("\n[profile admin2]\nsource_profile = dev\nrole_arn = "+f.seeded.Roles["iam-role-admin"]+"\n")...)
	if err := os.WriteFile(f.config, body, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := session.LoadConfig(f.config)
	if err != nil {
		t.Fatal(err)
	}
	f.engine.Config = cfg
	third, err := f.engine.Credentials(ctx, "admin")
	if err != nil || !third.FromCache {
		t.Fatalf("unrelated config edit must keep the cache: %+v %v", third, err)
	}
	if e, ok, _ := f.engine.Store.Entry(warm.KindRole, "admin", f.srv.Clock().Now()); !ok || e.Stamp != warm.ConfigStamp(f.config) {
		t.Fatalf("entry not re-stamped for the warm path: %+v", e)
	}
}

func TestEngineChainedRoleIsCappedAtOneHour(t *testing.T) {
	f := newEngineFixture(t)
	res, err := f.engine.Credentials(context.Background(), "chained")
	if err != nil {
		t.Fatalf("chained: %v", err)
	}
	if left := res.Entry.Expires.Sub(f.srv.Clock().Now()); left > time.Hour || left < 59*time.Minute {
		t.Fatalf("chained session lasts %s, want 1h", left)
	}
	if f.calls("AssumeRole") != 2 || f.calls("GetSessionToken") != 1 {
		t.Fatalf("calls %+v", f.srv.Calls())
	}
}

func TestEngineErrors(t *testing.T) {
	f := newEngineFixture(t)
	ctx := context.Background()
	// alice may not assume the operator role although her session has MFA.
	_, err := f.engine.Credentials(ctx, "operator")
	if awsx.Classify(err) != awsx.ClassAccessDeniedSourceIP {
		t.Fatalf("operator: class %v: %v", awsx.Classify(err), err)
	}
	if _, err := f.engine.Credentials(ctx, "nope"); err == nil {
		t.Fatal("unknown profile accepted")
	}
	if err := f.engine.Store.RemoveKey("dev"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.engine.Store.RemoveEntries(""); err != nil {
		t.Fatal(err)
	}
	_, err = f.engine.Credentials(ctx, "admin")
	if err == nil || !strings.Contains(err.Error(), "kagi add dev") {
		t.Fatalf("missing key: %v", err)
	}
}
