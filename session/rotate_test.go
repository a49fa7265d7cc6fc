package session_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
	"github.com/kagi-cli/kagi/session"
)

// rotWorld is one rotation test's account, files and keyring. Every engine it makes shares the keyring and
// the state directory, as processes run one after another would.
type rotWorld struct {
	t         *testing.T
	srv       *localaws.Server
	seeded    *localaws.Seeded
	cfg       awsx.Config
	env       map[string]string
	kr        keyring.Keyring
	credsPath string
	credsBody string
	state     string

	mu          sync.Mutex
	verifiedNew bool     // GetCallerIdentity succeeded with a key other than the original one
	violations  []string // the original key deleted before that
	journals    []string // every journal content seen at a hook
}

func rotSetup(t *testing.T, inFile bool, delay time.Duration) *rotWorld {
	t.Helper()
	srv := localaws.New(localaws.Options{KeyPropagationDelay: delay})
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
	w := &rotWorld{t: t, srv: srv, seeded: seeded, kr: keyring.NewArrayKeyring(nil), credsPath: filepath.Join(dir, "credentials"), state: filepath.Join(dir, "state"),
		cfg: awsx.Config{Region: "us-east-1", IAMEndpoint: url, STSEndpoint: url, RetryMaxAttempts: 1}}
	config := fmt.Sprintf("[profile dev]\nregion = us-east-1\nmfa_serial = %s\n\n[profile admin]\nsource_profile = dev\nrole_arn = %s\n", seeded.MFASerial, seeded.Roles["iam-role-admin"])
	w.credsBody = "# team keys\n[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = other/secret+0000000000\n\n"
	if inFile {
		w.credsBody += "[dev]\n; the dev user\naws_access_key_id = " + seeded.AccessKeyID + "\naws_secret_access_key = " + seeded.SecretAccessKey + "\nregion=eu-west-1\n"
	} else if err := w.store().PutKey("dev", session.LongTermKey{AccessKeyID: seeded.AccessKeyID, SecretAccessKey: seeded.SecretAccessKey}); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"config": config, "credentials": w.credsBody} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w.env = map[string]string{"HOME": dir, "AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": w.credsPath, "KAGI_STATE_DIR": w.state}
	return w
}

func (w *rotWorld) store() *session.Store { return session.NewStore(w.kr, "array") }

type rotTokens struct{ w *rotWorld }

func (s rotTokens) Token(context.Context, session.TokenRequest) (string, error) {
	return localaws.CodeAt(s.w.seeded.MFASecret, s.w.srv.Clock().Now()), nil
}

// engine is a fresh engine, as a new kagi process would open it. Its STS calls note when a new key works.
func (w *rotWorld) engine() *session.Engine {
	w.t.Helper()
	eng, err := session.Open(session.Options{Env: func(k string) string { return w.env[k] }, AWS: w.cfg, Store: w.store()})
	if err != nil {
		w.t.Fatal(err)
	}
	eng.Tokens, eng.Now = rotTokens{w}, w.srv.Clock().Now
	eng.STS = func(p aws.CredentialsProvider) awsx.STSAPI {
		return rotSTS{w.cfg.WithCredentials(p, "test").STS(), p, w}
	}
	return eng
}

type rotSTS struct {
	*sts.Client
	p aws.CredentialsProvider
	w *rotWorld
}

func (s rotSTS) GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, opts ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	out, err := s.Client.GetCallerIdentity(ctx, in, opts...)
	if c, _ := s.p.Retrieve(ctx); err == nil && strings.HasPrefix(c.AccessKeyID, "AKIA") && c.AccessKeyID != s.w.seeded.AccessKeyID {
		s.w.mu.Lock()
		s.w.verifiedNew = true
		s.w.mu.Unlock()
	}
	return out, err
}

type rotIAM struct {
	*iam.Client
	w *rotWorld
}

func (c rotIAM) DeleteAccessKey(ctx context.Context, in *iam.DeleteAccessKeyInput, opts ...func(*iam.Options)) (*iam.DeleteAccessKeyOutput, error) {
	c.w.mu.Lock()
	if aws.ToString(in.AccessKeyId) == c.w.seeded.AccessKeyID && !c.w.verifiedNew {
		c.w.violations = append(c.w.violations, "the original key was deleted before its successor was verified")
	}
	c.w.mu.Unlock()
	return c.Client.DeleteAccessKey(ctx, in, opts...)
}

func (w *rotWorld) opts(hook func(string) error) session.RotateOptions {
	return session.RotateOptions{
		Profile: "admin", // a role profile: its source's key is rotated
		IAM: func(p aws.CredentialsProvider) awsx.AccessKeysAPI {
			return rotIAM{w.cfg.WithCredentials(p, "test").IAM(), w}
		},
		Delete: true,
		Wait: awsx.Waiter{Timeout: 30 * time.Second, Sleep: func(_ context.Context, d time.Duration) error {
			w.srv.Clock().Advance(d)
			return nil
		}},
		Hook: hook,
	}
}

// keys lists the user's keys with the MFA session, as kagi does.
func (w *rotWorld) keys() []awsx.AccessKey {
	w.t.Helper()
	ss, err := w.engine().SelfService(context.Background(), "dev")
	if err != nil {
		w.t.Fatal(err)
	}
	keys, err := awsx.ListKeys(context.Background(), w.cfg.WithCredentials(ss.Creds, "test").IAM(), "")
	if err != nil {
		w.t.Fatal(err)
	}
	return keys
}

// check asserts the invariant: the stored key works and the user has at most 2 keys. It returns the stored key.
func (w *rotWorld) check(when string) session.LongTermKey {
	w.t.Helper()
	_, k, _, err := w.engine().StoredKey("dev")
	if err != nil {
		w.t.Fatalf("%s: stored key: %v", when, err)
	}
	c := w.cfg.WithCredentials(credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, ""), "test")
	if _, err := c.STS().GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		w.t.Fatalf("%s: the stored key %s does not work: %v", when, k.AccessKeyID, err)
	}
	if keys := w.keys(); len(keys) > 2 {
		w.t.Fatalf("%s: %d keys", when, len(keys))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.violations) > 0 {
		w.t.Fatalf("%s: %v", when, w.violations)
	}
	return k
}

// checkDone asserts a finished rotation: one key, the new one, stored and working; no journal, no pending
// slot, no secret ever in a journal; the credentials file changed only in the key's two lines.
func (w *rotWorld) checkDone(res *session.RotateResult, inFile bool) {
	w.t.Helper()
	k := w.check("done")
	keys := w.keys()
	if len(keys) != 1 || keys[0].ID != k.AccessKeyID || k.AccessKeyID == w.seeded.AccessKeyID || res.NewID != k.AccessKeyID || !res.OldDeleted {
		w.t.Fatalf("after rotation: keys %+v, stored %s, result %+v", keys, k.AccessKeyID, res)
	}
	if m, _ := filepath.Glob(filepath.Join(w.state, "rotate-*.json")); len(m) != 0 {
		w.t.Fatalf("journal left behind: %v", m)
	}
	for _, j := range w.journals {
		if strings.Contains(j, k.SecretAccessKey) || strings.Contains(j, w.seeded.SecretAccessKey) {
			w.t.Fatalf("a journal held a secret: %s", j)
		}
	}
	profiles, _ := w.store().KeyProfiles()
	body, _ := os.ReadFile(w.credsPath)
	want := w.credsBody
	if inFile {
		want = strings.NewReplacer(w.seeded.AccessKeyID, k.AccessKeyID, w.seeded.SecretAccessKey, k.SecretAccessKey).Replace(want)
	} else if len(profiles) != 1 || profiles[0] != "dev" {
		w.t.Fatalf("keyring items: %v", profiles)
	}
	if string(body) != want {
		w.t.Fatalf("credentials file:\n%s\nwant:\n%s", body, want)
	}
}

func (w *rotWorld) rotate(hook func(string) error) (*session.RotateResult, error) {
	return w.engine().Rotate(context.Background(), w.opts(hook))
}

var errCrash = errors.New("simulated crash")

// rotateCrashing runs Rotate; a hook that panics with errCrash ends it as a crash would: no error handling runs.
func (w *rotWorld) rotateCrashing(hook func(string) error) (err error, crashed bool) {
	defer func() {
		if r := recover(); r != nil {
			if r != errCrash {
				panic(r)
			}
			crashed = true
		}
	}()
	_, err = w.rotate(hook)
	return err, false
}

func TestRotateHappyPath(t *testing.T) {
	for _, inFile := range []bool{false, true} {
		t.Run(fmt.Sprintf("credentials-file=%v", inFile), func(t *testing.T) {
			w := rotSetup(t, inFile, 0)
			var seen []string
			res, err := w.rotate(func(p string) error { seen = append(seen, p); return nil })
			if err != nil {
				t.Fatalf("Rotate: %v", err)
			}
			if strings.Join(seen, " ") != strings.Join(session.RotateHookPoints(), " ") || res.Resumed != "" || res.OldID != w.seeded.AccessKeyID || res.Profile != "dev" {
				t.Fatalf("hooks %v, result %+v", seen, res)
			}
			w.checkDone(res, inFile)
		})
	}
}

// TestRotateFaultMatrix fails and crashes Rotate at every step, checks the invariant there and after, then
// runs Rotate again in a fresh engine, which must finish the rotation.
func TestRotateFaultMatrix(t *testing.T) {
	for _, inFile := range []bool{false, true} {
		for _, point := range session.RotateHookPoints() {
			for _, crash := range []bool{false, true} {
				t.Run(fmt.Sprintf("file=%v/%s/crash=%v", inFile, point, crash), func(t *testing.T) {
					w := rotSetup(t, inFile, 0)
					hook := func(p string) error {
						if m, _ := filepath.Glob(filepath.Join(w.state, "rotate-*.json")); len(m) == 1 {
							data, _ := os.ReadFile(m[0])
							w.journals = append(w.journals, string(data))
						}
						if p != point {
							return nil
						}
						w.check("at " + p)
						if crash {
							panic(errCrash)
						}
						return errors.New("injected failure")
					}
					err, crashed := w.rotateCrashing(hook)
					if crashed != crash || (!crash && err == nil) {
						t.Fatalf("first Rotate: err %v crashed %v", err, crashed)
					}
					w.check("after the failure")
					res, err := w.rotate(nil)
					if err != nil {
						t.Fatalf("resumed Rotate: %v", err)
					}
					if point != "creating" && res.Resumed == "" {
						t.Errorf("the second Rotate did not resume: %+v", res)
					}
					w.checkDone(res, inFile)
				})
			}
		}
	}
}

func TestRotateWaitsForPropagationAndRollsBackAKeyNeverAccepted(t *testing.T) {
	w := rotSetup(t, false, 10*time.Second)
	res, err := w.rotate(nil)
	if err != nil {
		t.Fatalf("Rotate with a 10 s propagation delay: %v", err)
	}
	if w.srv.Calls().Errors["GetCallerIdentity:InvalidClientTokenId"] == 0 {
		t.Error("the new key was accepted at once; the propagation delay was not exercised")
	}
	w.checkDone(res, false)

	w = rotSetup(t, false, time.Hour)
	opts := w.opts(nil)
	opts.Wait.Timeout = 20 * time.Second
	res, err = w.engine().Rotate(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "kagi deleted the new access key") || res.RolledBack == "" {
		t.Fatalf("Rotate with a key never accepted: %v %+v", err, res)
	}
	if k := w.check("after roll-back"); k.AccessKeyID != w.seeded.AccessKeyID || len(w.keys()) != 1 {
		t.Fatalf("after roll-back: stored %s, keys %+v", k.AccessKeyID, w.keys())
	}
	if _, _, ok := w.engine().PendingRotation("dev"); ok {
		t.Fatal("journal left after roll-back")
	}
}

func TestRotateAWSFaults(t *testing.T) {
	w := rotSetup(t, false, 0)
	w.srv.InjectFault("CreateAccessKey", localaws.Fault{Code: "Throttling", Times: 1})
	if _, err := w.rotate(nil); awsx.Classify(err) != awsx.ClassThrottled {
		t.Fatalf("throttled CreateAccessKey: %v", err)
	}
	if _, _, ok := w.engine().PendingRotation("dev"); ok || len(w.keys()) != 1 {
		t.Fatal("a refused CreateAccessKey left a journal or a key")
	}
	w.srv.InjectFault("DeleteAccessKey", localaws.Fault{Code: "ServiceUnavailable", Times: 1})
	if _, err := w.rotate(nil); awsx.Classify(err) != awsx.ClassServiceFailure {
		t.Fatalf("DeleteAccessKey unavailable: %v", err)
	}
	if k := w.check("delete failed"); k.AccessKeyID == w.seeded.AccessKeyID {
		t.Fatal("the new key is not stored after verification")
	}
	if step, _, ok := w.engine().PendingRotation("dev"); !ok || step != "deactivated" {
		t.Fatalf("journal step %q %v, want deactivated", step, ok)
	}
	res, err := w.rotate(nil)
	if err != nil || res.Resumed != "deactivated" {
		t.Fatalf("resume: %v %+v", err, res)
	}
	w.checkDone(res, false)
}

func TestRotateTwoKeysNeedCleanup(t *testing.T) {
	w := rotSetup(t, false, 0)
	other, _, err := w.srv.CreateAccessKeyFor(w.seeded.UserName)
	if err != nil {
		t.Fatal(err)
	}
	opts := w.opts(nil)
	opts.DeleteOther = true // only an inactive key may go
	_, err = w.engine().Rotate(context.Background(), opts)
	var nc *session.NeedsCleanup
	if !errors.As(err, &nc) || len(nc.Keys) != 2 || nc.Stored != w.seeded.AccessKeyID || !strings.Contains(err.Error(), "kagi keys delete "+other) {
		t.Fatalf("Rotate with 2 keys: %v", err)
	}
	if len(w.keys()) != 2 || w.srv.Calls().Calls["CreateAccessKey"] != 0 {
		t.Fatal("Rotate changed keys although it needed clean-up")
	}
	ss, _ := w.engine().SelfService(context.Background(), "dev")
	if err := awsx.SetKeyStatus(context.Background(), w.cfg.WithCredentials(ss.Creds, "t").IAM(), "", other, false); err != nil {
		t.Fatal(err)
	}
	if _, err := w.rotate(nil); !errors.As(err, &nc) || !strings.Contains(err.Error(), "--delete-inactive") {
		t.Fatalf("inactive second key without DeleteOther: %v", err)
	}
	res, err := w.engine().Rotate(context.Background(), opts)
	if err != nil || res.DeletedOther != other {
		t.Fatalf("Rotate --delete-inactive: %v %+v", err, res)
	}
	w.checkDone(res, false)
}

func TestRotateUnconfirmedKeepsTheOldKeyInactive(t *testing.T) {
	w := rotSetup(t, true, 0)
	opts := w.opts(nil)
	opts.Delete = false
	asked := ""
	opts.Confirm = func(_ context.Context, id string) (bool, error) { asked = id; return false, nil }
	res, err := w.engine().Rotate(context.Background(), opts)
	if err != nil || asked != w.seeded.AccessKeyID || res.OldDeleted || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "kagi keys delete "+asked) {
		t.Fatalf("Rotate unconfirmed: %v %+v (asked %q)", err, res, asked)
	}
	keys := w.keys()
	if len(keys) != 2 || keys[0].ID != asked && keys[1].ID != asked {
		t.Fatalf("keys %+v", keys)
	}
	for _, k := range keys {
		if (k.ID == asked) == k.Active() {
			t.Fatalf("old key should be the inactive one: %+v", keys)
		}
	}
	if _, _, ok := w.engine().PendingRotation("dev"); ok {
		t.Fatal("journal left open")
	}
	w.check("unconfirmed")
}
