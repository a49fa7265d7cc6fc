package roles_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/roles"
)

func TestTokens(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	steps := session.NewStepMemory(t.TempDir())
	e := &session.Engine{Steps: steps, Now: func() time.Time { return now }, Interactive: true}
	roles.UseTokens(e)
	if e.Interactive {
		t.Error("the UI engine retries rejected codes itself")
	}
	serial := "arn:aws:iam::000000000000:mfa/alice"
	req := session.TokenRequest{Profile: "admin", Serial: serial, Attempt: 1}
	ctx := context.Background()

	_, err := e.Tokens.Token(ctx, req)
	var need *roles.NeedCodeError
	if !errors.As(err, &need) || need.Serial != serial || !errors.Is(err, common.ErrMFACodeNeeded) {
		t.Fatalf("without a code: %v", err)
	}
	if code, err := e.Tokens.Token(roles.WithCode(ctx, "123456"), req); code != "123456" || err != nil {
		t.Fatalf("with a code: %q %v", code, err)
	}
	if err := steps.Used(serial, "123456", now); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Tokens.Token(roles.WithCode(ctx, "123456"), req); !errors.Is(err, common.ErrMFACodeJustUsed) {
		t.Fatalf("a spent code: %v", err)
	}
	req.Attempt = 2
	if _, err := e.Tokens.Token(roles.WithCode(ctx, "654321"), req); err == nil {
		t.Fatal("a retry reused the typed code")
	}
	// mfa_process still runs, and never needs the terminal.
	req.Attempt, req.MFAProcess = 1, "echo 246810"
	if code, err := e.Tokens.Token(ctx, req); code != "246810" || err != nil {
		t.Fatalf("mfa_process: %q %v", code, err)
	}
}

func TestLeft(t *testing.T) {
	for d, want := range map[time.Duration]string{
		59*time.Minute + 59*time.Second: "59m", time.Hour: "1h00m", 11*time.Hour + 5*time.Minute: "11h05m", 30 * time.Second: "0m",
	} {
		if got := roles.Left(d); got != want {
			t.Errorf("Left(%v) = %q, want %q", d, got, want)
		}
	}
}
