package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestKeysImportVolatileKeyring: the keyctl keyring forgets keys at reboot, so import does not move the only
// copy of a key there unless --volatile says the user keeps one elsewhere; add says where the key now lives.
func TestKeysImportVolatileKeyring(t *testing.T) {
	w := kpSetup(t)
	if _, err := os.Stat("/proc/keys"); err != nil {
		t.Skip("no kernel keyring here")
	}
	w.env["KAGI_KEYRING_BACKEND"] = "keyctl"
	profile := fmt.Sprintf("kagi-test-volatile-%d", os.Getpid()) // the user keyring is shared by every test
	t.Cleanup(func() { w.run("remove", "--yes", profile) })
	body := "[" + profile + "]\naws_access_key_id = " + w.seeded.AccessKeyID + "\naws_secret_access_key = " + w.seeded.SecretAccessKey + "\n"
	kpWrite(t, w.creds, body)

	r := w.run("import", profile)
	if r.code != exitError || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 ||
		!strings.Contains(r.stderr, "forgets it when your last session on this machine ends and at every reboot") || !strings.Contains(r.stderr, "--volatile") {
		t.Fatalf("import into keyctl without --volatile: %+v", r)
	}
	if got, _ := os.ReadFile(w.creds); string(got) != body {
		t.Fatalf("the refused import changed the credentials file:\n%s", got)
	}

	r = w.run("import", profile, "--volatile")
	if r.code != exitOK || !strings.Contains(r.stderr, "Moved access key") {
		t.Fatalf("import --volatile: %+v", r)
	}
	if got, _ := os.ReadFile(w.creds); strings.Contains(string(got), w.seeded.SecretAccessKey) {
		t.Fatalf("import --volatile left the secret in the credentials file:\n%s", got)
	}

	w.run("remove", "--yes", profile)
	w.env["AWS_ACCESS_KEY_ID"], w.env["AWS_SECRET_ACCESS_KEY"] = w.seeded.AccessKeyID, w.seeded.SecretAccessKey
	r = w.run("add", profile, "--env")
	if r.code != exitOK || !strings.Contains(r.stderr, "Note: the keyctl keyring forgets it") {
		t.Fatalf("add into keyctl: %+v", r)
	}
}
