package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kagi-cli/kagi/awsx/localaws"
)

type doctorJSON struct {
	Profile string `json:"profile"`
	Checks  []struct {
		ID, Title, Status, Detail, Fix string
	} `json:"checks"`
	Summary map[string]int `json:"summary"`
}

var doctorIDs = []string{"keyring", "plaintext-keys", "credentials", "clock", "mfa", "password-age", "access-key-age", "unused-keys"}

func doctorParse(t *testing.T, r cliResult) doctorJSON {
	t.Helper()
	var d doctorJSON
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatalf("doctor --json: %v\n%+v", err, r)
	}
	if len(d.Checks) != len(doctorIDs) {
		t.Fatalf("doctor --json: %d checks: %s", len(d.Checks), r.stdout)
	}
	for i, c := range d.Checks {
		if c.ID != doctorIDs[i] || c.Title == "" || c.Detail == "" {
			t.Errorf("check %d: %+v", i, c)
		}
	}
	return d
}

func (d doctorJSON) status(id string) string {
	for _, c := range d.Checks {
		if c.ID == id {
			return c.Status
		}
	}
	return ""
}

func TestDoctorCLI(t *testing.T) {
	w := kpSetup(t)
	w.addDev()
	r := w.run("doctor", "dev", "--mfa-token", w.code())
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("doctor: %+v", r)
	}
	for _, want := range []string{"✓ Keyring ", "The file keyring works", "✓ Plaintext keys ", "✓ AWS credentials ", "profile dev's MFA session",
		"✓ Clock ", "✓ MFA device ", w.seeded.MFASerial, "✓ Access key age ", "? Unused access keys ", "iam:GetAccessKeyLastUsed",
		"? Password age ", "→ If you have not changed your console password", "\n6 ok, 0 warnings, 0 failed, 2 unknown.\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, r.stdout)
		}
	}

	// A plaintext key is a warning: still exit 0.
	kpWrite(t, w.creds, "[old]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = otherotherotherotherotherotherotherother\n")
	r = w.run("doctor", "--profile", "dev", "--json")
	d := doctorParse(t, r)
	if r.code != exitOK || r.stderr != "" || d.Profile != "dev" || d.status("plaintext-keys") != "warn" || d.Summary["warn"] != 1 || d.Summary["ok"] != 5 {
		t.Fatalf("doctor --json with a plaintext key: %+v", r)
	}
	if c := d.Checks[1]; !strings.Contains(c.Fix, "kagi import old") {
		t.Errorf("plaintext fix: %+v", c)
	}

	// A keyring that does not open fails (exit 1), and the AWS checks are skipped.
	w.env["KAGI_KEYRING_BACKEND"] = "bogus"
	r = w.run("doctor", "--profile", "dev")
	if r.code != exitError || r.stderr != "kagi: 2 checks failed; see the fixes above.\n" || !strings.Contains(r.stdout, "✗ Keyring ") ||
		!strings.Contains(r.stdout, "✗ AWS credentials ") || !strings.Contains(r.stdout, "? MFA device ") {
		t.Fatalf("doctor with a broken keyring: %+v", r)
	}
	r = w.run("doctor", "--profile", "dev", "--json")
	if d := doctorParse(t, r); r.code != exitError || d.status("keyring") != "fail" || d.Summary["fail"] != 2 {
		t.Fatalf("doctor --json with a broken keyring: %+v", r)
	}
	w.env["KAGI_KEYRING_BACKEND"] = "file"

	// Ctrl+C while AWS answers slowly: exit 130 and no checklist.
	w.srv.InjectFault("ListMFADevices", localaws.Fault{Latency: 3 * time.Second, Times: 1})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	if r := w.runCtx(ctx, "doctor", "dev"); r.code != exitAbort || r.stdout != "" {
		t.Fatalf("doctor interrupted: %+v", r)
	}

	if r := w.run("doctor", "dev", "--mfa-token", "12"); r.code != exitUsage {
		t.Fatalf("bad --mfa-token: %+v", r)
	}
	if r := w.run("doctor", "dev", "ops"); r.code != exitUsage {
		t.Fatalf("two profiles: %+v", r)
	}
}

func TestDoctorCLIBeforeMFA(t *testing.T) {
	_, _, env := cliEndpoint(t, localaws.ScenarioNewUser)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	config := filepath.Join(home, ".aws", "config")
	for k, v := range map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config"), "KAGI_KEYRING_BACKEND": "file",
		"KAGI_FILE_PASSPHRASE": "test passphrase", "KAGI_STATE_DIR": filepath.Join(home, "state"), "AWS_CONFIG_FILE": config,
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, ".aws", "credentials"), "AWS_PROFILE": "dev"} {
		env[k] = v
	}
	kpWrite(t, config, "[profile dev]\nregion = us-east-1\n")
	w := &kpWorld{t: t, env: env}
	if r := w.run("add", "dev", "--env"); r.code != exitOK {
		t.Fatalf("add: %+v", r)
	}
	r := w.run("doctor")
	if r.code != exitError || r.stderr != "kagi: 1 check failed; see the fixes above.\n" {
		t.Fatalf("doctor before MFA: %+v", r)
	}
	for _, want := range []string{"✓ AWS credentials ", "profile dev's long-term key", "✗ MFA device ", "→ Run kagi mfa register",
		"? Access key age ", "Not permitted to list your access keys", "→ Run kagi doctor again with an MFA session"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, r.stdout)
		}
	}
}
