package common_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/common"
)

func TestTokens(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	steps := session.NewStepMemory(t.TempDir())
	e := &session.Engine{Steps: steps, Now: func() time.Time { return now }, Interactive: true}
	common.UseTokens(e)
	if e.Interactive {
		t.Error("the UI engine retries rejected codes itself")
	}
	serial := "arn:aws:iam::000000000000:mfa/alice"
	req := session.TokenRequest{Profile: "admin", Serial: serial, Attempt: 1}
	ctx := context.Background()

	_, err := e.Tokens.Token(ctx, req)
	var need *common.NeedCodeError
	if !errors.As(err, &need) || need.Serial != serial || !errors.Is(err, common.ErrMFACodeNeeded) {
		t.Fatalf("without a code: %v", err)
	}
	if _, err := e.Tokens.Token(common.WithMFACode(ctx, ""), req); !errors.Is(err, common.ErrMFACodeNeeded) {
		t.Fatalf("with an empty code: %v", err)
	}
	if code, err := e.Tokens.Token(common.WithMFACode(ctx, "123456"), req); code != "123456" || err != nil {
		t.Fatalf("with a code: %q %v", code, err)
	}
	if err := steps.Used(serial, "123456", now); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Tokens.Token(common.WithMFACode(ctx, "123456"), req); !errors.Is(err, common.ErrMFACodeJustUsed) {
		t.Fatalf("a spent code: %v", err)
	}
	req.Attempt = 2
	if _, err := e.Tokens.Token(common.WithMFACode(ctx, "654321"), req); err == nil {
		t.Fatal("a retry reused the typed code")
	}
	// mfa_process still runs, and never needs the terminal; a typed code does not replace it.
	req.Attempt, req.MFAProcess = 1, "echo 246810"
	if code, err := e.Tokens.Token(common.WithMFACode(ctx, "135790"), req); code != "246810" || err != nil {
		t.Fatalf("mfa_process: %q %v", code, err)
	}
}

// MFACodeNeeded asks for a typed code only where the engine would need one: a device, no cached session
// and no mfa_process, which the engine picks as it picks the device (the source's, else the nearest role's).
func TestMFACodeNeeded(t *testing.T) {
	const serial = "arn:aws:iam::000000000000:mfa/alice"
	const role = "role_arn = arn:aws:iam::000000000000:role/iam-role-admin\nsource_profile = dev\n"
	for _, tc := range []struct {
		name, config, profile string
		recorded              bool // kagi recorded serial for dev at onboarding
		serial                string
		code, session         bool
	}{
		{"device in the config", "[profile dev]\nmfa_serial = " + serial + "\n", "dev", false, serial, true, true},
		{"device recorded", "[profile dev]\n", "dev", true, serial, true, true},
		{"role of the source", "[profile dev]\nmfa_serial = " + serial + "\n[profile admin]\n" + role, "admin", false, serial, true, true},
		{"mfa_process on the source", "[profile dev]\nmfa_serial = " + serial + "\nmfa_process = echo 123456\n", "dev", false, serial, false, true},
		{"mfa_process on the role", "[profile dev]\nmfa_serial = " + serial + "\n[profile admin]\n" + role + "mfa_process = echo 123456\n", "admin", false, serial, false, true},
		{"mfa_process with the recorded device", "[profile dev]\nmfa_process = echo 123456\n", "dev", true, serial, false, true},
		{"no device", "[profile dev]\nmfa_process = echo 123456\n", "dev", false, "", false, false},
		{"unknown profile", "[profile dev]\nmfa_serial = " + serial + "\n", "nobody", false, "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &common.Context{Profile: tc.profile, Engine: engine(t, tc.config)}
			if tc.recorded {
				if err := c.Engine.RecordSerial("dev", serial); err != nil {
					t.Fatal(err)
				}
			}
			if got, code := common.MFACodeNeeded(c); got != tc.serial || code != tc.code {
				t.Errorf("MFACodeNeeded = %q, %v; want %q, %v", got, code, tc.serial, tc.code)
			}
			if got := common.MFASessionNeeded(c); got != tc.session {
				t.Errorf("MFASessionNeeded = %v, want %v", got, tc.session)
			}
		})
	}
}

// engine is a kagi engine over config, with an empty in-memory keyring (no cached session) and no endpoint.
func engine(t *testing.T, config string) *session.Engine {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": dir, "AWS_CONFIG_FILE": path, "KAGI_STATE_DIR": filepath.Join(dir, "state")}
	e, err := session.Open(session.Options{Env: func(k string) string { return env[k] }, Store: session.NewStore(keyring.NewArrayKeyring(nil), "array"),
		AWS: awsx.Config{Region: "us-east-1", IAMEndpoint: "http://127.0.0.1:1", STSEndpoint: "http://127.0.0.1:1", RetryMaxAttempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
