package main

// Tests of kagi mfa register/resync/remove/list, in process against localaws with a file keyring (kpSetup's
// layout). Helpers are prefixed "mf"; password_cmd_test.go uses them too.

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kagi-cli/kagi/awsx/localaws"
)

// mfNewUser is kpSetup for the first-login scenario: alice holds exactly the forced-MFA policy and has no MFA
// device; profile dev (no mfa_serial) has her key in the keyring; profile admin is a role that needs MFA.
// The endpoint clock is frozen at the start of a TOTP step.
func mfNewUser(t *testing.T) *kpWorld {
	t.Helper()
	srv, seeded, env := cliEndpoint(t, localaws.ScenarioNewUser)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	w := &kpWorld{t: t, srv: srv, seeded: seeded, env: env,
		config: filepath.Join(home, ".aws", "config"), creds: filepath.Join(home, ".aws", "credentials"),
		keyring: filepath.Join(home, ".config", "kagi", "keyring")}
	for k, v := range map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config"),
		"KAGI_KEYRING_BACKEND": "file", "KAGI_FILE_PASSPHRASE": "test passphrase", "KAGI_STATE_DIR": filepath.Join(home, "state"),
		"AWS_CONFIG_FILE": w.config, "AWS_SHARED_CREDENTIALS_FILE": w.creds} {
		env[k] = v
	}
	w.configBody = "[profile dev]\nregion = us-east-1\n\n[profile admin]\nsource_profile = dev\nrole_arn = " + seeded.Roles["iam-role-admin"] + "\n"
	kpWrite(t, w.config, w.configBody)
	mfFreeze(srv)
	w.addDev()
	return w
}

// mfFreeze stops the endpoint clock at the start of the next TOTP step (forward, so new keys stay valid).
func mfFreeze(srv *localaws.Server) {
	srv.Clock().Set(time.Now().Truncate(30 * time.Second).Add(30 * time.Second))
}

// mfTTY is a terminal a test types into while kagi runs: reads block until the test types.
type mfTTY struct {
	r   *io.PipeReader
	w   *io.PipeWriter
	mu  sync.Mutex
	out strings.Builder
}

func mfNewTTY(t *testing.T) (context.Context, *mfTTY) {
	r, w := io.Pipe()
	tty := &mfTTY{r: r, w: w}
	t.Cleanup(func() { _ = r.Close() }) // unblocks typing nobody read
	return withTTY(context.Background(), func() (io.ReadWriteCloser, error) { return tty, nil }), tty
}

func (m *mfTTY) Read(p []byte) (int, error) { return m.r.Read(p) }
func (m *mfTTY) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.out.Write(p)
}
func (m *mfTTY) Close() error { return nil }
func (m *mfTTY) written() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.out.String()
}

// typeLines types in the background (a pipe write waits for kagi to read).
func (m *mfTTY) typeLines(lines ...string) {
	go func() { _, _ = io.WriteString(m.w, strings.Join(lines, "\n")+"\n") }()
}

func (m *mfTTY) hangUp() { _ = m.w.Close() } // Ctrl+D

func (m *mfTTY) waitFor(t *testing.T, s string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if strings.Contains(m.written(), s) {
			return
		}
	}
	t.Fatalf("the terminal never showed %q; it shows:\n%s", s, m.written())
}

// mfStart runs kagi in the background; the result arrives on the channel.
func mfStart(w *kpWorld, ctx context.Context, args ...string) <-chan cliResult {
	done := make(chan cliResult, 1)
	go func() { done <- cliRun(w.t, ctx, w.env, args...) }()
	return done
}

func mfWait(t *testing.T, done <-chan cliResult) cliResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("kagi did not finish")
	}
	return cliResult{}
}

// mfCodes are the codes of a device now and in the next steps: code1, code2 and the session code.
func mfCodes(w *kpWorld, serial string) (c1, c2, c3 string) {
	secret, ok := w.srv.MFASecret(serial)
	if !ok {
		w.t.Fatalf("no device %s", serial)
	}
	now := w.srv.Clock().Now()
	return localaws.CodeAt(secret, now), localaws.CodeAt(secret, now.Add(30*time.Second)), localaws.CodeAt(secret, now.Add(60*time.Second))
}

const mfAlice = "arn:aws:iam::000000000000:mfa/alice"

func TestMFARegisterFirstLogin(t *testing.T) {
	w := mfNewUser(t)
	ctx, tty := mfNewTTY(t)
	done := mfStart(w, ctx, "mfa", "register", "--profile", "dev")
	tty.waitFor(t, "Code 1")
	c1, c2, c3 := mfCodes(w, mfAlice)
	secret, _ := w.srv.MFASecret(mfAlice)
	w.srv.Clock().Advance(30 * time.Second)       // the user waits for code 2
	tty.typeLines("111111", "222222", c1, c2, c3) // a wrong pair first: kagi asks again
	r := mfWait(t, done)
	if r.code != exitOK || r.stdout != mfAlice+"\n" {
		t.Fatalf("register: %+v\nterminal:\n%s", r, tty.written())
	}
	if !strings.Contains(r.stderr, "Enabled MFA device "+mfAlice+" for alice and started an MFA session for profile dev.") ||
		!strings.Contains(r.stderr, "add mfa_serial = "+mfAlice+" to [profile dev]") {
		t.Fatalf("register stderr: %q", r.stderr)
	}
	out := tty.written()
	for _, want := range []string{"Scan this QR code", "▀", "AWS did not accept the two codes", "One more code to start your session"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, secret[:4]+" "+secret[4:8]) || strings.Contains(r.stderr+r.stdout, secret) {
		t.Error("the key was printed as text without --show-secret")
	}
	if errs := w.srv.Calls().Errors; len(errs) != 1 || errs["EnableMFADevice:InvalidAuthenticationCode"] != 1 {
		t.Fatalf("errors during onboarding: %v (want only the wrong pair)", errs)
	}

	// whoami shows the device; a role profile works at once, from the session register started.
	if r := w.run("whoami"); r.code != exitOK || !strings.Contains(r.stdout, "MFA:      "+mfAlice) {
		t.Fatalf("whoami: %+v", r)
	}
	gst := w.srv.Calls().Calls["GetSessionToken"]
	r = w.runCtx(kpNoTTY(), "credential-process", "admin")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, `{"Version":1,"AccessKeyId":"ASIA`) || w.srv.Calls().Calls["GetSessionToken"] != gst {
		t.Fatalf("credential-process admin after register: %+v", r)
	}
	if n := w.srv.Calls().Errors; len(n) != 1 {
		t.Fatalf("errors after onboarding: %v", n)
	}
	if r := w.run("mfa", "list", "--profile", "dev"); r.code != exitOK || !strings.HasPrefix(r.stdout, mfAlice+"  enabled ") || !strings.HasSuffix(r.stdout, "  (profile dev)\n") {
		t.Fatalf("mfa list: %+v", r)
	}
	kpWantError(t, w, w.snapshot(), w.run("mfa", "register", "--profile", "dev"), exitError, "user alice already has MFA device "+mfAlice+"; use 'kagi mfa remove' first")
}

func TestMFARegisterAbortLeavesLeftoverThenReplaces(t *testing.T) {
	w := mfNewUser(t)
	ctx, tty := mfNewTTY(t)
	done := mfStart(w, ctx, "mfa", "register", "--profile", "dev", "--show-secret")
	tty.waitFor(t, "Code 1")
	secret, _ := w.srv.MFASecret(mfAlice)
	if !strings.Contains(tty.written(), "Key (time-based, 6 digits): "+secret[:4]+" "+secret[4:8]) {
		t.Fatalf("--show-secret did not show the grouped key:\n%s", tty.written())
	}
	tty.hangUp()
	r := mfWait(t, done)
	if r.code != exitAbort || r.stdout != "" || !strings.Contains(r.stderr, "Note: The unfinished MFA device "+mfAlice+" stays in the account unassigned") ||
		!strings.HasSuffix(r.stderr, "kagi: aborted.\n") {
		t.Fatalf("register aborted: %+v", r)
	}

	ctx, tty = mfNewTTY(t)
	done = mfStart(w, ctx, "mfa", "register", "--profile", "dev")
	tty.waitFor(t, "Code 1")
	c1, c2, c3 := mfCodes(w, mfAlice+"-2")
	w.srv.Clock().Advance(30 * time.Second)
	tty.typeLines(c1, c2, c3)
	r = mfWait(t, done)
	if r.code != exitOK || r.stdout != mfAlice+"-2\n" || !strings.Contains(tty.written(), "An unfinished device from an earlier attempt ("+mfAlice+") stays unassigned; this one is "+mfAlice+"-2.") {
		t.Fatalf("register after an abort: %+v\n%s", r, tty.written())
	}
	if errs := w.srv.Calls().Errors; len(errs) != 1 || errs["DeleteVirtualMFADevice:AccessDenied"] != 1 {
		t.Fatalf("errors: %v (want only the denied cancel)", errs)
	}
}

func TestMFARegisterErrors(t *testing.T) {
	w := mfNewUser(t)
	before := w.snapshot()
	kpWantError(t, w, before, w.run("mfa", "register", "--profile", "dev", "--code1", "12345"), exitUsage, "--code1 must be the 6-digit code")
	kpWantError(t, w, before, w.run("mfa", "register", "--profile", "dev", "--device-name", "my phone"), exitUsage, "--device-name may hold only")
	kpWantError(t, w, before, w.runCtx(kpNoTTY(), "mfa", "register", "--profile", "dev"), exitError, "no terminal to show the QR code")
	kpWantError(t, w, before, w.run("mfa", "register", "--profile", "nope"), exitError, `profile "nope" is not in`)
	if n := w.srv.Calls().Calls["CreateVirtualMFADevice"]; n != 0 {
		t.Fatalf("a refused register created %d devices", n)
	}

	// Codes from flags that AWS rejects: the device is cancelled (left over, under this policy), exit 1.
	// Without a terminal the QR code goes to stderr.
	r := w.runCtx(kpNoTTY(), "mfa", "register", "--profile", "dev", "--device-name", "ci", "--code1", "000000", "--code2", "000001", "--code3", "000002")
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	lines = lines[max(0, len(lines)-2):]
	if r.code != exitError || r.stdout != "" || !strings.HasPrefix(r.stderr, "Scan this QR code") || !strings.HasPrefix(lines[0], "Note: The unfinished MFA device arn:aws:iam::000000000000:mfa/ci stays") ||
		lines[1] != "kagi: AWS did not accept the two codes; enter two consecutive codes from your authenticator (the one it shows now, then the next one after it changes) and check that the device's clock is correct." {
		t.Fatalf("register with wrong codes: %+v", r)
	}
}

func TestMFAResyncListRemove(t *testing.T) {
	w := kpSetup(t) // onboarded: dev's config names alice's device
	mfFreeze(w.srv)
	w.addDev()
	before := w.snapshot()
	kpWantError(t, w, before, w.runCtx(kpNoTTY(), "mfa", "resync", "--profile", "dev"), exitError, "no terminal to type the codes on")
	kpWantError(t, w, before, w.run("mfa", "resync", "--profile", "dev", "--code1", "x"), exitUsage, "--code1 must be")

	// The phone runs five minutes fast: resync with two of its codes, then its codes work again.
	drifted := func(d time.Duration) string {
		return localaws.CodeAt(w.seeded.MFASecret, w.srv.Clock().Now().Add(5*time.Minute+d))
	}
	r := w.runCtx(kpNoTTY(), "mfa", "resync", "--profile", "dev", "--code1", drifted(0), "--code2", drifted(0))
	if r.code != exitError || !strings.Contains(r.stderr, "kagi: AWS did not accept the two codes") {
		t.Fatalf("resync with one code twice: %+v", r)
	}
	ctx, tty := kpWithTTY(drifted(0) + "\n" + drifted(30*time.Second) + "\n")
	if r := w.runCtx(ctx, "mfa", "resync", "--profile", "dev"); r.code != exitOK || r.stderr != "Resynchronized MFA device "+w.seeded.MFASerial+"; its next codes will work.\n" {
		t.Fatalf("resync: %+v\n%s", r, tty.written())
	}
	w.srv.Clock().Advance(60 * time.Second)
	if r := w.run("credential-process", "admin", "--mfa-token", drifted(0)); r.code != exitOK {
		t.Fatalf("credential-process with a drifted code after resync: %+v", r)
	}

	// remove: asks first; needs the MFA session (cached now); the fixture policy denies the delete.
	before = w.snapshot()
	ctx, tty = kpWithTTY("n\n")
	kpWantError(t, w, before, w.runCtx(ctx, "mfa", "remove", "--profile", "dev"), exitError, "kept MFA device "+w.seeded.MFASerial)
	if !strings.Contains(tty.written(), "Deactivate and delete MFA device "+w.seeded.MFASerial+" of alice? [y/N] ") {
		t.Fatalf("question: %q", tty.written())
	}
	kpWantError(t, w, before, w.runCtx(kpNoTTY(), "mfa", "remove", "--profile", "dev"), exitError, "no terminal to confirm on; run 'kagi mfa remove --yes'")
	r = w.run("mfa", "remove", "--profile", "dev", "--yes")
	if r.code != exitOK || r.stdout != "" || !strings.Contains(r.stderr, "Removed MFA device "+w.seeded.MFASerial+" of alice and 2 cached sessions.") ||
		!strings.Contains(r.stderr, "Note: MFA device "+w.seeded.MFASerial+" was deactivated, but deleting it was denied") ||
		!strings.Contains(r.stderr, "Delete mfa_serial from the profile dev uses in "+w.config) {
		t.Fatalf("remove: %+v", r)
	}
	if r := w.run("whoami"); !strings.Contains(r.stdout, "MFA:      none") {
		t.Fatalf("whoami after remove: %+v", r)
	}
	if r := w.run("mfa", "list", "--profile", "dev"); r.code != exitOK || r.stdout != "" || r.stderr != "User alice has no MFA device; register one with 'kagi mfa register'.\n" {
		t.Fatalf("mfa list after remove: %+v", r)
	}
	kpWantError(t, w, w.snapshot(), w.run("mfa", "remove", "--profile", "dev", "--yes"), exitError, "user alice has no MFA device "+w.seeded.MFASerial)
}

// mfRegister onboards alice through 'kagi mfa register' on a terminal and returns the device.
func mfRegister(t *testing.T, w *kpWorld) string {
	t.Helper()
	ctx, tty := mfNewTTY(t)
	done := mfStart(w, ctx, "mfa", "register", "--profile", "dev")
	tty.waitFor(t, "Code 1")
	c1, c2, c3 := mfCodes(w, mfAlice)
	w.srv.Clock().Advance(30 * time.Second)
	tty.typeLines(c1, c2, c3)
	if r := mfWait(t, done); r.code != exitOK || r.stdout != mfAlice+"\n" {
		t.Fatalf("register: %+v\n%s", r, tty.written())
	}
	return mfAlice
}
