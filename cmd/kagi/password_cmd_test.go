package main

import (
	"strings"
	"testing"
)

const pwPolicyLine = "Password policy: at least 14 characters with an uppercase letter, a lowercase letter, a number, a symbol; your last 5 passwords cannot be reused."

func TestPasswordChange(t *testing.T) {
	w := kpSetup(t)
	mfFreeze(w.srv)
	w.addDev()
	before := w.snapshot()
	kpWantError(t, w, before, w.runCtx(kpNoTTY(), "password", "--profile", "dev"), exitError, "no terminal to type the password on")

	// A too-short password and a typo in the repetition are asked again; the password is never echoed.
	first := "Kagi-first-pass-1!"
	ctx, tty := kpWithTTY(strings.Join([]string{w.seeded.Password, "Short-1!", first, "Kagi-first-pass-2!", first, first}, "\n") + "\n")
	r := w.runCtx(ctx, "password", "--profile", "dev", "--mfa-token", w.code())
	if r.code != exitOK || r.stdout != "" || r.stderr != "Changed the console password of profile dev's user. It expires in 90 days.\n" {
		t.Fatalf("password: %+v\n%s", r, tty.written())
	}
	out := tty.written()
	for _, want := range []string{pwPolicyLine + "\nCurrent password: New password: ", "  ✗ at least 14 characters (at most 128)\n  ✓ an uppercase letter (A-Z)\n",
		"That password does not meet the policy; try another.", "The two passwords differ; enter the new one again.", "Repeat the new password: "} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, first) || strings.Contains(out, w.seeded.Password) || strings.Contains(r.stderr, first) {
		t.Fatal("a password was printed")
	}
	gst := w.srv.Calls().Calls["GetSessionToken"]

	// Refusals, each one sentence; the MFA session is reused (no more codes).
	for _, tc := range []struct{ input, want string }{
		{"wrong-password\nKagi-second-pass-2!\nKagi-second-pass-2!\n", "kagi: The current password is wrong; enter the password you sign in to the AWS console with."},
		{first + "\n" + w.seeded.Password + "\n" + w.seeded.Password + "\n", "kagi: The new password is one of your recent passwords"},
		{first + "\nshort\nshort\n" + first + "\n", "kagi: No acceptable new password after 3 tries; your password is unchanged."},
	} {
		ctx, tty := kpWithTTY(tc.input)
		r := w.runCtx(ctx, "password", "--profile", "dev")
		if r.code != exitError || r.stdout != "" || !strings.HasPrefix(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("want %q, got %+v\n%s", tc.want, r, tty.written())
		}
	}
	ctx, _ = kpWithTTY("") // Ctrl+D at the first question
	if r := w.runCtx(ctx, "password", "--profile", "dev"); r.code != exitAbort || r.stdout != "" {
		t.Fatalf("password with EOF: %+v", r)
	}

	// --generate shows the new password once, on the terminal, after the change; it works.
	ctx, tty = kpWithTTY(first + "\n")
	if r := w.runCtx(ctx, "password", "--profile", "dev", "--generate"); r.code != exitOK || r.stdout != "" || !strings.HasPrefix(r.stderr, "Changed the console password") {
		t.Fatalf("password --generate: %+v\n%s", r, tty.written())
	}
	_, shown, ok := strings.Cut(tty.written(), "Your new password, shown only this once; store it now:\n\n    ")
	generated, _, _ := strings.Cut(shown, "\n")
	if !ok || len(generated) != 20 || strings.Contains(r.stderr, generated) {
		t.Fatalf("generated password not shown once on the terminal:\n%s", tty.written())
	}
	ctx, tty = kpWithTTY(generated + "\nKagi-third-pass-3!\nKagi-third-pass-3!\n")
	if r := w.runCtx(ctx, "password", "--profile", "dev"); r.code != exitOK {
		t.Fatalf("change from the generated password: %+v\n%s", r, tty.written())
	}
	if n := w.srv.Calls().Calls["GetSessionToken"]; n != gst {
		t.Fatalf("%d more MFA sessions; the cached one should serve", n-gst)
	}
}

func TestPasswordBeforeAndAfterOnboarding(t *testing.T) {
	w := mfNewUser(t)
	before := w.snapshot()
	ctx, _ := kpWithTTY("x\n")
	kpWantError(t, w, before, w.runCtx(ctx, "password", "--profile", "dev"), exitError,
		"reading the password policy was denied without MFA; your account probably requires MFA first, so run 'kagi mfa register'")

	// After 'kagi mfa register' the session it started serves the password change: no further code.
	mfRegister(t, w)
	gst := w.srv.Calls().Calls["GetSessionToken"]
	ctx, tty := kpWithTTY(w.seeded.Password + "\nKagi-onboarded-pass-1!\nKagi-onboarded-pass-1!\n")
	if r := w.runCtx(ctx, "password", "--profile", "dev"); r.code != exitOK || !strings.Contains(tty.written(), pwPolicyLine) {
		t.Fatalf("password after register: %+v\n%s", r, tty.written())
	}
	if w.srv.Calls().Calls["GetSessionToken"] != gst {
		t.Fatal("password started another MFA session")
	}
}
