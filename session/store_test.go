package session_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/session/warm"
)

func newArrayStore(t *testing.T, initial ...keyring.Item) (*session.Store, *keyring.ArrayKeyring) {
	t.Helper()
	kr := keyring.NewArrayKeyring(initial)
	return session.NewStore(kr, "array"), kr
}

func testEntry(id string, expires time.Time) warm.Entry {
	return warm.Entry{
		AccessKeyID: "ASIA" + id, SecretAccessKey: "secret-" + id, SessionToken: "token-" + id,
		Expires: expires.Truncate(time.Second).UTC(), Stamp: "/cfg|1|2", Fingerprint: "fp-" + id,
	}
}

func keysOf(t *testing.T, kr keyring.Keyring) []string {
	t.Helper()
	keys, err := kr.Keys()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestStoreKeys(t *testing.T) {
	s, kr := newArrayStore(t)
	if s.Backend() != "array" {
		t.Fatalf("Backend() = %q", s.Backend())
	}
	if _, err := s.Key("dev"); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Key of absent profile: %v, want ErrNotFound", err)
	}
	k := session.LongTermKey{AccessKeyID: "AKIAEXAMPLEEXAMPLE01", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	if err := s.PutKey("dev", k); err != nil {
		t.Fatal(err)
	}
	got, err := s.Key("dev")
	if err != nil || got != k {
		t.Fatalf("Key = %+v, %v; want %+v", got, err, k)
	}
	raw, err := kr.Get(warm.ItemName(warm.KindKey, "dev", time.Time{}))
	if err != nil {
		t.Fatal(err)
	}
	if raw.Label != "kagi: dev access key" || !strings.HasPrefix(string(raw.Data), "{") {
		t.Fatalf("raw item label %q data %q", raw.Label, raw.Data)
	}
	if err := s.PutKey("prod", k); err != nil {
		t.Fatal(err)
	}
	if err := s.PutEntry(warm.KindSession, "zz", testEntry("1", time.Now().Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	profiles, err := s.KeyProfiles()
	if err != nil || !reflect.DeepEqual(profiles, []string{"dev", "prod"}) {
		t.Fatalf("KeyProfiles = %v, %v", profiles, err)
	}
	if err := s.RemoveKey("dev"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveKey("dev"); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("second RemoveKey: %v, want ErrNotFound", err)
	}
	if _, err := s.Key("dev"); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Key after RemoveKey: %v", err)
	}
	if err := s.PutKey("x", session.LongTermKey{AccessKeyID: "AKIA"}); err == nil {
		t.Fatal("PutKey accepted a key without a secret")
	}
}

func TestStoreKeyCorrupt(t *testing.T) {
	s, _ := newArrayStore(t, keyring.Item{Key: warm.ItemName(warm.KindKey, "dev", time.Time{}), Data: []byte("not json")})
	if _, err := s.Key("dev"); err == nil || errors.Is(err, session.ErrNotFound) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Key of corrupt item: %v", err)
	}
}

func TestStoreEntryNewestWithinWindow(t *testing.T) {
	s, kr := newArrayStore(t)
	now := time.Now()
	// Put entries of decreasing expiry: PutEntry only removes OLDER ones, so all three stay.
	for i, d := range []time.Duration{3 * time.Hour, 2 * time.Hour, 20 * time.Minute} {
		if err := s.PutEntry(warm.KindRole, "admin", testEntry(string(rune('a'+i)), now.Add(d))); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(keysOf(t, kr)); n != 3 {
		t.Fatalf("%d items, want 3", n)
	}
	e, found, err := s.Entry(warm.KindRole, "admin", now.Add(15*time.Minute))
	if err != nil || !found || e.AccessKeyID != "ASIAa" {
		t.Fatalf("Entry = %+v, %v, %v; want the newest (ASIAa)", e, found, err)
	}
	if want := testEntry("a", now.Add(3*time.Hour)); e != want {
		t.Fatalf("round trip: got %+v want %+v", e, want)
	}
	// A window beyond every expiry finds nothing but removes nothing that is still valid.
	if _, found, err := s.Entry(warm.KindRole, "admin", now.Add(4*time.Hour)); err != nil || found {
		t.Fatalf("Entry beyond window: found=%v err=%v", found, err)
	}
	if n := len(keysOf(t, kr)); n != 3 {
		t.Fatalf("%d items after a miss, want 3", n)
	}
	// Other kinds and profiles do not match.
	if _, found, _ := s.Entry(warm.KindSession, "admin", now); found {
		t.Fatal("session found for a role entry")
	}
	if _, found, _ := s.Entry(warm.KindRole, "admin2", now); found {
		t.Fatal("entry of another profile found")
	}
}

func TestStorePutEntryRemovesOlder(t *testing.T) {
	s, kr := newArrayStore(t)
	now := time.Now()
	old1, old2 := testEntry("1", now.Add(10*time.Minute)), testEntry("2", now.Add(30*time.Minute))
	other := testEntry("o", now.Add(5*time.Minute))
	for _, put := range []struct {
		kind, profile string
		e             warm.Entry
	}{{warm.KindSession, "dev", old1}, {warm.KindSession, "dev", old2}, {warm.KindRole, "dev", other}, {warm.KindSession, "dev2", other}} {
		if err := s.PutEntry(put.kind, put.profile, put.e); err != nil {
			t.Fatal(err)
		}
	}
	// old1 is gone already: old2 replaced it.
	if _, err := kr.Get(warm.ItemName(warm.KindSession, "dev", old1.Expires)); !errors.Is(err, keyring.ErrKeyNotFound) {
		t.Fatalf("older entry still there: %v", err)
	}
	newer := testEntry("3", now.Add(time.Hour))
	if err := s.PutEntry(warm.KindSession, "dev", newer); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		warm.ItemName(warm.KindSession, "dev", newer.Expires):  true,
		warm.ItemName(warm.KindRole, "dev", other.Expires):     true,
		warm.ItemName(warm.KindSession, "dev2", other.Expires): true,
	}
	got := keysOf(t, kr)
	if len(got) != len(want) {
		t.Fatalf("items %v, want %v", got, want)
	}
	for _, k := range got {
		if !want[k] {
			t.Fatalf("unexpected item %q", k)
		}
	}
	raw, _ := kr.Get(warm.ItemName(warm.KindSession, "dev", newer.Expires))
	if wantLabel := "kagi: session dev until " + newer.Expires.Format(time.RFC3339); raw.Label != wantLabel {
		t.Fatalf("label %q, want %q", raw.Label, wantLabel)
	}
	if err := s.PutEntry("key", "dev", newer); err == nil {
		t.Fatal("PutEntry accepted kind key")
	}
	if err := s.PutEntry(warm.KindRole, "dev", warm.Entry{AccessKeyID: "a", SecretAccessKey: "b"}); err == nil {
		t.Fatal("PutEntry accepted an entry without expiry")
	}
}

func TestStoreExpiredPurged(t *testing.T) {
	s, kr := newArrayStore(t)
	now := time.Now()
	expired := testEntry("x", now.Add(-time.Minute))
	valid := testEntry("v", now.Add(time.Hour))
	// Write the expired one directly: PutEntry of the valid one would remove it as older.
	data, _ := expired.Encode()
	_ = kr.Set(keyring.Item{Key: warm.ItemName(warm.KindRole, "r", expired.Expires), Data: data})
	_ = kr.Set(keyring.Item{Key: warm.ItemName(warm.KindSession, "s", expired.Expires), Data: data})
	if err := s.PutEntry(warm.KindRole, "other", valid); err != nil {
		t.Fatal(err)
	}
	if _, found, err := s.Entry(warm.KindRole, "r", time.Time{}); found || err != nil {
		t.Fatalf("expired entry returned: found=%v err=%v", found, err)
	}
	if _, err := kr.Get(warm.ItemName(warm.KindRole, "r", expired.Expires)); !errors.Is(err, keyring.ErrKeyNotFound) {
		t.Fatal("Entry did not remove the expired entry")
	}
	n, err := s.Purge(now)
	if err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v; want 1", n, err)
	}
	if got := keysOf(t, kr); len(got) != 1 || got[0] != warm.ItemName(warm.KindRole, "other", valid.Expires) {
		t.Fatalf("left after purge: %v", got)
	}
}

func TestStoreCorruptEntryRemoved(t *testing.T) {
	exp := time.Now().Add(time.Hour)
	name := warm.ItemName(warm.KindSession, "dev", exp)
	s, kr := newArrayStore(t, keyring.Item{Key: name, Data: []byte("garbage")})
	e, found, err := s.Entry(warm.KindSession, "dev", time.Now())
	if err != nil || found {
		t.Fatalf("corrupt entry: %+v found=%v err=%v", e, found, err)
	}
	if _, err := kr.Get(name); !errors.Is(err, keyring.ErrKeyNotFound) {
		t.Fatal("corrupt entry not removed")
	}
}

func TestStoreForeignItemsUntouched(t *testing.T) {
	foreign := []keyring.Item{
		{Key: "aws-vault:dev", Data: []byte("x")},
		{Key: "kagi:v2:session:dev:1", Data: []byte("x")},
		{Key: "kagi:v1:session:dev", Data: []byte("x")},  // no expiry
		{Key: "kagi:v1:bogus:dev:12", Data: []byte("x")}, // unknown kind
		{Key: "Kagi:v1:session:dev:" + strings.Repeat("1", 3), Data: []byte("x")},
		{Key: "prefix kagi:v1:session:dev:1", Data: []byte("x")},
	}
	s, kr := newArrayStore(t, foreign...)
	if err := s.PutEntry(warm.KindSession, "dev", testEntry("1", time.Now().Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if entries, err := s.Entries(); err != nil || len(entries) != 1 {
		t.Fatalf("Entries = %v, %v; want only kagi's", entries, err)
	}
	if p, err := s.KeyProfiles(); err != nil || len(p) != 0 {
		t.Fatalf("KeyProfiles = %v, %v", p, err)
	}
	if n, err := s.Purge(time.Now().Add(100 * 365 * 24 * time.Hour)); err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v; want 1", n, err)
	}
	if n, err := s.RemoveEntries(""); err != nil || n != 0 {
		t.Fatalf("RemoveEntries = %d, %v", n, err)
	}
	if got := keysOf(t, kr); len(got) != len(foreign) {
		t.Fatalf("foreign items touched: %v", got)
	}
	for _, f := range foreign {
		if _, err := kr.Get(f.Key); err != nil {
			t.Fatalf("foreign item %q: %v", f.Key, err)
		}
	}
}

func TestStoreEntriesAndRemoveEntries(t *testing.T) {
	s, _ := newArrayStore(t)
	now := time.Now()
	k := session.LongTermKey{AccessKeyID: "AKIAEXAMPLEEXAMPLE01", SecretAccessKey: "secretsecretsecret"}
	_ = s.PutKey("dev", k)
	_ = s.PutEntry(warm.KindSession, "dev", testEntry("s", now.Add(time.Hour)))
	_ = s.PutEntry(warm.KindRole, "admin", testEntry("r", now.Add(3*time.Hour)))
	_ = s.PutEntry(warm.KindRole, "ro", testEntry("o", now.Add(2*time.Hour)))
	entries, err := s.Entries()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Kind+" "+e.Profile)
	}
	if want := []string{"role admin", "role ro", "session dev"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Entries order %v, want %v", got, want)
	}
	if n, err := s.RemoveEntries("dev"); err != nil || n != 1 {
		t.Fatalf("RemoveEntries(dev) = %d, %v", n, err)
	}
	if _, err := s.Key("dev"); err != nil {
		t.Fatalf("RemoveEntries removed the long-term key: %v", err)
	}
	if n, err := s.RemoveEntries(""); err != nil || n != 2 {
		t.Fatalf("RemoveEntries(all) = %d, %v", n, err)
	}
	if p, _ := s.KeyProfiles(); len(p) != 1 {
		t.Fatalf("long-term key gone after RemoveEntries(\"\"): %v", p)
	}
}

func TestStoreProfileNames(t *testing.T) {
	s, _ := newArrayStore(t)
	now := time.Now()
	names := []string{"a:b", "100%", "%3A", "ünï-cödé 東京", "x:%:y", "with space", "a/b"}
	k := session.LongTermKey{AccessKeyID: "AKIAEXAMPLEEXAMPLE01", SecretAccessKey: "secretsecretsecret"}
	for i, p := range names {
		if err := s.PutKey(p, k); err != nil {
			t.Fatal(err)
		}
		if err := s.PutEntry(warm.KindRole, p, testEntry(p, now.Add(time.Duration(i+1)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range names {
		if got, err := s.Key(p); err != nil || got != k {
			t.Fatalf("Key(%q) = %v, %v", p, got, err)
		}
		e, found, err := s.Entry(warm.KindRole, p, now)
		if err != nil || !found || e.AccessKeyID != "ASIA"+p {
			t.Fatalf("Entry(%q) = %+v, %v, %v", p, e, found, err)
		}
	}
	profiles, _ := s.KeyProfiles()
	if len(profiles) != len(names) {
		t.Fatalf("KeyProfiles = %q", profiles)
	}
	entries, _ := s.Entries()
	if len(entries) != len(names) || entries[0].Profile != names[len(names)-1] {
		t.Fatalf("Entries = %+v", entries)
	}
	// "a:b" and "a%3Ab" must not collide; removing one profile leaves the others.
	if n, err := s.RemoveEntries("a:b"); err != nil || n != 1 {
		t.Fatalf("RemoveEntries(a:b) = %d, %v", n, err)
	}
	if _, found, _ := s.Entry(warm.KindRole, "%3A", now); !found {
		t.Fatal("removing a:b removed %3A")
	}
}
