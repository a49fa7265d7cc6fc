package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompletionOffersProfileNames(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	creds := filepath.Join(dir, "credentials")
	if err := os.WriteFile(cfg, []byte("[profile admin]\nsource_profile = dev\nrole_arn = arn:aws:iam::000000000000:role/a\n[profile analytics]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(creds, []byte("[dev]\naws_access_key_id = AKIAXXXXXXXXXXXXXXXX\naws_secret_access_key = x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": dir, "AWS_CONFIG_FILE": cfg, "AWS_SHARED_CREDENTIALS_FILE": creds}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "exec", "a"}, []string{"admin", "analytics"}},
		{[]string{"__complete", "assume", ""}, []string{"admin", "analytics", "dev"}},
		{[]string{"__complete", "whoami", "--profile", "d"}, []string{"dev"}},
	} {
		r := cliRun(t, context.Background(), env, tc.args...)
		got := strings.Fields(strings.Split(r.stdout, ":")[0])
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%v: completions %q, want %q (stderr %q)", tc.args, got, tc.want, r.stderr)
		}
	}
}
