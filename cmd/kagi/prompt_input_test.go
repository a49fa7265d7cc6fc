package main

import (
	"context"
	"strings"
	"testing"
)

// Answers lose their surrounding blanks (IDs, codes, yes/no, a pasted secret access key), passwords only
// their line ending: a password may begin or end with a space.
func TestPromptTrimming(t *testing.T) {
	ctx, tty := kpWithTTY(" AKIAEXAMPLE \r\n  pass word  \r\n\tsecret\t\n y \n")
	term, err := openTerminal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		ask  func(context.Context, string) (string, error)
		want string
	}{
		{term.ask, "AKIAEXAMPLE"},
		{term.askPassword, "  pass word  "},
		{term.askSecret, "secret"},
	} {
		if got, err := step.ask(context.Background(), "? "); err != nil || got != step.want {
			t.Errorf("got %q, %v; want %q", got, err, step.want)
		}
	}
	if yes, err := term.confirm(context.Background(), "ok?"); err != nil || !yes {
		t.Errorf("confirm = %v, %v", yes, err)
	}
	if strings.Contains(tty.written(), "pass word") {
		t.Error("the password was echoed")
	}
}

// A password with blanks around it is changed to exactly that, and only exactly that signs in afterwards.
func TestPasswordKeepsBlanks(t *testing.T) {
	w := kpSetup(t)
	mfFreeze(w.srv)
	w.addDev()
	spaced := "  Kagi-spaced-pass-1! "
	ctx, tty := kpWithTTY(strings.Join([]string{w.seeded.Password, spaced, spaced}, "\n") + "\n")
	if r := w.runCtx(ctx, "password", "--profile", "dev", "--mfa-token", w.code()); r.code != exitOK {
		t.Fatalf("password: %+v\n%s", r, tty.written())
	}
	// The same characters without the blanks are not the password.
	ctx, tty = kpWithTTY(strings.TrimSpace(spaced) + "\nKagi-next-pass-22!\nKagi-next-pass-22!\n")
	if r := w.runCtx(ctx, "password", "--profile", "dev"); r.code != exitError || !strings.Contains(r.stderr, "current password is wrong") {
		t.Fatalf("the trimmed password was accepted as the current one: %+v\n%s", r, tty.written())
	}
	ctx, tty = kpWithTTY(spaced + "\nKagi-next-pass-22!\nKagi-next-pass-22!\n")
	if r := w.runCtx(ctx, "password", "--profile", "dev"); r.code != exitOK {
		t.Fatalf("the password as typed was refused: %+v\n%s", r, tty.written())
	}
}
