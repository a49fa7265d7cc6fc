package session_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/session/warm"
)

// newEngineFixtureAt is newEngineFixture with the endpoint clock (and so the engine's) starting at start.
func newEngineFixtureAt(t *testing.T, start time.Time) *engineFixture {
	t.Helper()
	srv := localaws.New(localaws.Options{})
	srv.Clock().Set(start)
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
	eng.Tokens, eng.Now = tokens, srv.Clock().Now
	return &engineFixture{srv: srv, seeded: seeded, engine: eng, tokens: tokens, config: cfgPath}
}

// The store prunes expired entries by the engine's clock, not the wall clock: with the endpoint (and so the
// engine) two days behind, credentials it just issued are valid by its clock and must come from the cache.
func TestEngineCacheFollowsEngineClock(t *testing.T) {
	f := newEngineFixtureAt(t, time.Now().Add(-48*time.Hour).Truncate(30*time.Second).Add(5*time.Second))
	ctx := context.Background()
	if _, err := f.engine.Credentials(ctx, "admin"); err != nil {
		t.Fatalf("cold: %v", err)
	}
	again, err := f.engine.Credentials(ctx, "admin")
	if err != nil || !again.FromCache {
		t.Fatalf("second call: from cache %v, err %v; want the cached role", again != nil && again.FromCache, err)
	}
	if f.calls("AssumeRole") != 1 || f.calls("GetSessionToken") != 1 || f.tokens.calls.Load() != 1 {
		t.Fatalf("the cached credentials were pruned: AssumeRole %d GetSessionToken %d prompts %d",
			f.calls("AssumeRole"), f.calls("GetSessionToken"), f.tokens.calls.Load())
	}
	if entries, err := f.engine.Store.Entries(); err != nil || len(entries) != 2 {
		t.Fatalf("store holds %d entries (%v), want the session and the role", len(entries), err)
	}
	// Past the role's hour by the engine's clock it is pruned, and the MFA session (12 h) still serves.
	f.srv.Clock().Advance(2 * time.Hour)
	res, err := f.engine.Credentials(ctx, "admin")
	if err != nil || res.FromCache || res.Prompted || f.calls("AssumeRole") != 2 || f.calls("GetSessionToken") != 1 {
		t.Fatalf("after 2 h: %+v %v; AssumeRole %d GetSessionToken %d", res, err, f.calls("AssumeRole"), f.calls("GetSessionToken"))
	}
}

// EntryAt prunes by the clock it is given: an entry expired by the wall clock but not by the caller's stays
// and is returned; one expired by the caller's clock goes.
func TestStoreEntryAtPrunesByGivenClock(t *testing.T) {
	s, kr := newArrayStore(t)
	wall := time.Now()
	past := wall.Add(-48 * time.Hour)
	if err := s.PutEntry(warm.KindRole, "admin", testEntry("old", past.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	e, found, err := s.EntryAt(warm.KindRole, "admin", past, past.Add(15*time.Minute))
	if err != nil || !found || e.AccessKeyID != "ASIAold" {
		t.Fatalf("EntryAt(past) = %+v, %v, %v; want the entry valid at that time", e, found, err)
	}
	if n := len(keysOf(t, kr)); n != 1 {
		t.Fatalf("%d items after EntryAt(past), want 1", n)
	}
	// By the wall clock (Entry) it has expired: not returned, and removed.
	if _, found, err := s.Entry(warm.KindRole, "admin", wall); err != nil || found {
		t.Fatalf("Entry(wall) found=%v err=%v", found, err)
	}
	if n := len(keysOf(t, kr)); n != 0 {
		t.Fatalf("%d items after the wall-clock read, want the expired entry removed", n)
	}
}
