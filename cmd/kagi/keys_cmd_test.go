package main

// Tests of 'kagi keys list|rotate|deactivate|delete', in process against localaws (onboarded: alice has MFA and
// the forced-MFA policy), with a file keyring (kpSetup in keys_profile_test.go).

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
)

// kcList is 'kagi keys list --json'.
type kcList struct {
	Profile string `json:"profile"`
	Store   string `json:"stored_in"`
	Keys    []struct {
		ID            string `json:"id"`
		Masked        string `json:"masked_id"`
		Status        string `json:"status"`
		AgeDays       int    `json:"age_days"`
		Stale         bool   `json:"stale"`
		LastUsedError string `json:"last_used_error"`
		Kagi          bool   `json:"kagi"`
		Pending       bool   `json:"pending"`
	} `json:"keys"`
}

func kcListJSON(t *testing.T, w *kpWorld, args ...string) kcList {
	t.Helper()
	r := w.run(append([]string{"keys", "list", "--profile", "dev", "--json"}, args...)...)
	var l kcList
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &l) != nil {
		t.Fatalf("keys list --json: %+v", r)
	}
	return l
}

// kcNoSecret fails if a run printed a secret on stdout or stderr.
func kcNoSecret(t *testing.T, r cliResult, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && (strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s)) {
			t.Fatalf("a secret was printed: %+v", r)
		}
	}
}

func TestKeysListCLI(t *testing.T) {
	w := kpSetup(t)
	w.addDev()
	// A second key, 100 days old: flagged.
	w.srv.Clock().Advance(-100 * 24 * time.Hour)
	old, _, err := w.srv.CreateAccessKeyFor(w.seeded.UserName)
	w.srv.Clock().Advance(100 * 24 * time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	r := w.run("keys", "list", "--profile", "dev", "--mfa-token", w.code())
	if r.code != exitOK {
		t.Fatalf("keys list: %+v", r)
	}
	for _, want := range []string{"ID", "LAST USED", kpMask(w.seeded.AccessKeyID), kpMask(old), "Active", "not permitted", "profile dev", "100d !"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("keys list lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, w.seeded.AccessKeyID) || !strings.Contains(r.stderr, kpMask(old)+" is 100 days old") {
		t.Errorf("full ID in the table, or no stale hint: %+v", r)
	}
	kcNoSecret(t, r, w.seeded.SecretAccessKey)
	// The MFA session is cached now: no code needed.
	l := kcListJSON(t, w)
	if l.Profile != "dev" || !strings.Contains(l.Store, "keyring") || len(l.Keys) != 2 {
		t.Fatalf("keys list --json: %+v", l)
	}
	for _, k := range l.Keys {
		if k.Kagi != (k.ID == w.seeded.AccessKeyID) || k.Stale != (k.ID == old) || k.LastUsedError != awsx.LastUsedNotPermitted || k.Masked != kpMask(k.ID) {
			t.Errorf("key %+v", k)
		}
	}
}

func TestKeysRotateCLI(t *testing.T) {
	w := kpSetup(t)
	w.addDev()
	r := w.runCtx(kpNoTTY(), "keys", "rotate", "--profile", "dev", "--mfa-token", w.code(), "--delete", "--yes")
	k, _ := w.storedKey("dev")
	if r.code != exitOK || k.AccessKeyID == w.seeded.AccessKeyID || !strings.Contains(r.stderr, "Rotated the access key of profile dev: "+kpMask(k.AccessKeyID)) ||
		!strings.Contains(r.stderr, "Deleted the old key "+kpMask(w.seeded.AccessKeyID)) || r.stdout != "" {
		t.Fatalf("rotate --delete --yes: %+v (stored %s)", r, k.AccessKeyID)
	}
	kcNoSecret(t, r, k.SecretAccessKey, w.seeded.SecretAccessKey)
	if l := kcListJSON(t, w); len(l.Keys) != 1 || l.Keys[0].ID != k.AccessKeyID || !l.Keys[0].Kagi {
		t.Fatalf("after rotation: %+v", l)
	}
	// The stored key works.
	stsCfg := awsx.Config{Region: "us-east-1", STSEndpoint: w.env["AWS_ENDPOINT_URL"], Credentials: credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, "")}
	if _, err := stsCfg.STS().GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("the new stored key does not work: %v", err)
	}

	// --delete without a terminal to confirm on: the old key stays inactive; --show-secret reveals the new
	// secret on the terminal only.
	ctx, tty := kpWithTTY("n\n")
	r = w.runCtx(ctx, "keys", "rotate", "--profile", "dev", "--delete", "--show-secret")
	k2, _ := w.storedKey("dev")
	if r.code != exitOK || k2.AccessKeyID == k.AccessKeyID || !strings.Contains(r.stderr, "is inactive, not deleted") || !strings.Contains(r.stderr, "kagi keys delete "+k.AccessKeyID) {
		t.Fatalf("rotate, answered n: %+v", r)
	}
	if !strings.Contains(tty.written(), "Delete the old key "+kpMask(k.AccessKeyID)) || !strings.Contains(tty.written(), k2.SecretAccessKey) {
		t.Fatalf("terminal: %q", tty.written())
	}
	kcNoSecret(t, r, k2.SecretAccessKey)

	// Two keys now: the next rotation stops and says what to do.
	before := w.snapshot()
	kpWantError(t, w, before, w.run("keys", "rotate", "--profile", "dev"), exitError, "already has 2 access keys")
	// --delete-inactive --yes makes room by deleting the inactive old key.
	r = w.run("keys", "rotate", "--profile", "dev", "--delete-inactive", "--yes", "--delete")
	k3, _ := w.storedKey("dev")
	if r.code != exitOK || !strings.Contains(r.stderr, "Deleted the inactive key "+kpMask(k.AccessKeyID)) || k3.AccessKeyID == k2.AccessKeyID {
		t.Fatalf("rotate --delete-inactive: %+v", r)
	}
	if l := kcListJSON(t, w); len(l.Keys) != 1 || l.Keys[0].ID != k3.AccessKeyID {
		t.Fatalf("after --delete-inactive: %+v", l)
	}
}

func TestKeysRotateCredentialsFileAndResume(t *testing.T) {
	w := kpSetup(t)
	body := "[dev]\naws_access_key_id = " + w.seeded.AccessKeyID + "\naws_secret_access_key = " + w.seeded.SecretAccessKey + "\n# keep me\n"
	kpWrite(t, w.creds, body)
	// An interrupted rotation: the new key is created and stored next to the old one, then kagi "crashes".
	eng, err := session.Open(session.Options{Env: func(k string) string { return w.env[k] }, MFAToken: w.code(),
		AWS: awsx.Config{Region: "us-east-1", IAMEndpoint: w.env["AWS_ENDPOINT_URL"], STSEndpoint: w.env["AWS_ENDPOINT_URL"]}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := awsx.Config{Region: "us-east-1", IAMEndpoint: w.env["AWS_ENDPOINT_URL"]}
	_, err = eng.Rotate(context.Background(), session.RotateOptions{Profile: "dev",
		IAM:  func(p aws.CredentialsProvider) awsx.AccessKeysAPI { return cfg.WithCredentials(p, "t").IAM() },
		Hook: func(step string) error { return map[bool]error{true: errors.New("crash")}[step == "stored/saved"] }})
	if err == nil {
		t.Fatal("the hook did not stop the rotation")
	}
	if l := kcListJSON(t, w); len(l.Keys) != 2 || !(l.Keys[0].Pending || l.Keys[1].Pending) {
		t.Fatalf("keys during the interrupted rotation: %+v", l)
	}
	r := w.run("keys", "rotate", "--profile", "dev", "--delete", "--yes")
	c, _ := session.LoadCredentials(w.creds)
	k, ok := c.Key("dev")
	if r.code != exitOK || !strings.Contains(r.stderr, "Resuming the interrupted rotation of profile dev (last step: stored)") || !ok || k.AccessKeyID == w.seeded.AccessKeyID {
		t.Fatalf("resumed rotate: %+v", r)
	}
	data, _ := os.ReadFile(w.creds)
	if want := strings.NewReplacer(w.seeded.AccessKeyID, k.AccessKeyID, w.seeded.SecretAccessKey, k.SecretAccessKey).Replace(body); string(data) != want {
		t.Fatalf("credentials file:\n%s\nwant:\n%s", data, want)
	}
	if m, _ := filepath.Glob(filepath.Join(w.env["KAGI_STATE_DIR"], "rotate-*.json")); len(m) != 0 {
		t.Fatalf("journal left: %v", m)
	}
	kcNoSecret(t, r, k.SecretAccessKey)
}

func TestKeysDeactivateDeleteCLI(t *testing.T) {
	w := kpSetup(t)
	w.addDev()
	other, _, err := w.srv.CreateAccessKeyFor(w.seeded.UserName)
	if err != nil {
		t.Fatal(err)
	}
	if r := w.run("keys", "list", "--profile", "dev", "--mfa-token", w.code()); r.code != exitOK {
		t.Fatalf("keys list: %+v", r)
	}
	before := w.snapshot()
	stored := w.seeded.AccessKeyID
	kpWantError(t, w, before, w.run("keys", "delete", stored, "--profile", "dev", "--yes"), exitError, "is the key kagi uses for profile dev")
	kpWantError(t, w, before, w.run("keys", "deactivate", kpMask(stored), "--profile", "dev"), exitError, "rotate it with 'kagi keys rotate")
	kpWantError(t, w, before, w.run("keys", "delete", "ZZZZ", "--profile", "dev", "--yes"), exitError, "has no access key \"ZZZZ\" (it may have been deleted already)")
	kpWantError(t, w, before, w.run("keys", "delete", "--profile", "dev"), exitUsage, "accepts 1 arg")

	// Deactivate by the last 4 characters, then delete on the terminal: n keeps it, y deletes it.
	r := w.run("keys", "deactivate", other[len(other)-4:], "--profile", "dev")
	if r.code != exitOK || !strings.Contains(r.stderr, "Deactivated access key "+kpMask(other)) {
		t.Fatalf("deactivate: %+v", r)
	}
	if l := kcListJSON(t, w); l.Keys[0].Status == l.Keys[1].Status {
		t.Fatalf("after deactivate: %+v", l)
	}
	kpWantError(t, w, before, w.runCtx(kpNoTTY(), "keys", "delete", other, "--profile", "dev"), exitError, "no terminal to confirm on")
	ctx, tty := kpWithTTY("n\n")
	kpWantError(t, w, before, w.runCtx(ctx, "keys", "delete", kpMask(other), "--profile", "dev"), exitError, "kept access key")
	if !strings.Contains(tty.written(), "Delete access key "+kpMask(other)+" (inactive") {
		t.Fatalf("terminal: %q", tty.written())
	}
	ctx, _ = kpWithTTY("y\n")
	if r := w.runCtx(ctx, "keys", "delete", kpMask(other), "--profile", "dev"); r.code != exitOK || !strings.Contains(r.stderr, "Deleted access key "+kpMask(other)) {
		t.Fatalf("delete, answered y: %+v", r)
	}
	if l := kcListJSON(t, w); len(l.Keys) != 1 || l.Keys[0].ID != stored {
		t.Fatalf("after delete: %+v", l)
	}
}
