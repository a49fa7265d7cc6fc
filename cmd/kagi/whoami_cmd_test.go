package main

import (
	"strings"
	"testing"
)

// TestCLIWhoamiKeyringKey: whoami signs with the key kagi keeps in the keyring, as the engine would; the
// environment's credentials (as inside 'kagi exec') still come first.
func TestCLIWhoamiKeyringKey(t *testing.T) {
	w := kpSetup(t)
	if r := w.run("add", "dev", "--env"); r.code != exitOK {
		t.Fatalf("add: %+v", r)
	}
	id := w.env["AWS_ACCESS_KEY_ID"]
	delete(w.env, "AWS_ACCESS_KEY_ID")
	delete(w.env, "AWS_SECRET_ACCESS_KEY")
	for _, args := range [][]string{{"whoami", "--profile", "dev"}, {"whoami", "--profile", "admin"}} {
		r := w.run(args...)
		if r.code != exitOK || r.stderr != "" || !strings.Contains(r.stdout, "User:     alice") {
			t.Fatalf("kagi %v with the key only in the keyring: %+v", args, r)
		}
	}
	if r := w.run("whoami", "--profile", "nope"); r.code != exitError || !strings.Contains(r.stderr, `Profile "nope" is not in`) {
		t.Fatalf("whoami for a profile in neither file: %+v", r)
	}

	// As for the AWS CLI, keys in the environment beat AWS_PROFILE (but not --profile).
	w.env["AWS_ACCESS_KEY_ID"], w.env["AWS_SECRET_ACCESS_KEY"], w.env["AWS_PROFILE"] = id, "not-the-secret", "dev"
	if r := w.run("whoami"); r.code != exitError || !strings.Contains(r.stderr, "AWS did not accept your credentials") {
		t.Fatalf("whoami must sign with the environment's credentials when they are set: %+v", r)
	}
}
