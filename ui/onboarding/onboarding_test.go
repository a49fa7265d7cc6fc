package onboarding_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
	"github.com/kagi-cli/kagi/session/warm"
	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/onboarding"
)

const introSentence = "Your account requires MFA. kagi will create a virtual MFA device"

func TestIntroExplainsAndEscGoesBack(t *testing.T) {
	f := newFixture(t, 100, 50, false)
	d := newDriver(t, onboarding.New(f.ctx))
	if v := d.view(); !strings.Contains(v, introSentence) || !strings.Contains(v, "two consecutive codes") {
		t.Fatalf("intro view does not explain the set-up:\n%s", v)
	}
	if d.screen.Busy() || d.screen.Capturing() || d.screen.Title() != "Set up MFA" {
		t.Fatalf("intro: busy %v, capturing %v, title %q", d.screen.Busy(), d.screen.Capturing(), d.screen.Title())
	}
	// esc is the root's "back" here; the screen lists only its own keys.
	if got := enabledHelp(d.screen); strings.Join(got, ",") != "enter start" {
		t.Fatalf("intro help = %q", got)
	}
	d.keys("esc")
	if !d.got(common.BackMsg{}) {
		t.Fatal("esc on the intro did not ask the root to go back")
	}
	if n := f.srv.Calls().Calls["CreateVirtualMFADevice"]; n != 0 {
		t.Fatalf("leaving the intro created %d devices", n)
	}
}

// scan runs the intro and device creation and returns the driver at the scan state.
func scan(t *testing.T, f *fixture) *driver {
	t.Helper()
	d := newDriver(t, onboarding.New(f.ctx))
	d.keys("enter")
	if v := d.view(); !strings.Contains(v, "Add the new MFA device") {
		t.Fatalf("after enter the screen is not at the scan step:\n%s", v)
	}
	return d
}

func TestFullFlowEnablesTheDeviceStartsTheSessionAndForgetsTheSecret(t *testing.T) {
	f := newFixture(t, 100, 50, false)
	d := scan(t, f)
	secret := f.secret(t, firstSerial)
	grouped := (&awsx.Enrollment{Secret: secret}).GroupedSecret()
	v := d.view()
	if !strings.Contains(v, "█") || strings.Contains(v, "too small") {
		t.Fatalf("at 100×50 the scan view should show the QR code:\n%s", v)
	}
	if strings.Contains(v, secret[:8]) {
		t.Fatal("the key is shown as text before 's' was pressed")
	}
	if !holds(d.screen, secret) {
		t.Fatal("holds() cannot see the secret while the model has it; the forget checks below would prove nothing")
	}
	d.keys("s")
	if !strings.Contains(d.view(), strings.SplitN(grouped, " ", 9)[7]) || !hasHelp(d.screen, "s hide key") {
		t.Fatalf("'s' did not show the grouped key:\n%s", d.view())
	}
	d.keys("s", "enter")
	if !d.screen.Capturing() || hasHelp(d.screen, "enter next") {
		t.Fatalf("code 1: capturing %v, help %q (enter must stay disabled until six digits)", d.screen.Capturing(), enabledHelp(d.screen))
	}
	d.keys(f.codeFor(firstSerial))
	if !hasHelp(d.screen, "enter next") {
		t.Fatalf("six digits typed but enter is not offered: %q", enabledHelp(d.screen))
	}
	d.keys("enter")
	if v := d.view(); !strings.Contains(v, "Enter the next code when it changes") {
		t.Fatalf("code 2 view:\n%s", v)
	}
	f.nextStep()
	d.keys(f.codeFor(firstSerial), "enter")
	if v := d.view(); !strings.Contains(v, "One more code to start your session") {
		t.Fatalf("after enabling:\n%s", v)
	}
	if holds(d.screen, secret) {
		t.Fatal("the secret is still in the model after the device was enabled")
	}
	f.nextStep()
	d.keys(f.codeFor(firstSerial), "enter")

	v = d.view()
	if !strings.Contains(v, "MFA is set up") || !strings.Contains(v, firstSerial) {
		t.Fatalf("done view:\n%s", v)
	}
	if !d.got(common.RefreshMsg{}) {
		t.Fatal("done did not tell the dashboard to refresh")
	}
	for _, s := range []string{secret, grouped, secret[:8], "otpauth://"} {
		if strings.Contains(v, s) || holds(d.screen, s) {
			t.Fatalf("after done the view or the model still holds %q", s)
		}
	}
	devices, err := awsx.Devices(context.Background(), f.userIAM(), localaws.DemoUserName)
	if err != nil || len(devices) != 1 || devices[0].SerialNumber != firstSerial {
		t.Fatalf("ListMFADevices = %+v, %v; want the one new device", devices, err)
	}
	if _, ok, err := f.engine.Store.Entry(warm.KindSession, "demo", f.srv.Clock().Now()); !ok || err != nil {
		t.Fatalf("no cached MFA session for the profile (ok %v, err %v)", ok, err)
	}
	if got := f.engine.RecordedSerial("demo"); got != firstSerial {
		t.Fatalf("recorded serial = %q", got)
	}
	if denied := f.deniedCalls(); len(denied) != 0 {
		t.Fatalf("the flow made calls the forced-MFA policy denies: %v", denied)
	}
	d.keys("enter")
	if !d.got(common.BackMsg{}) {
		t.Fatal("enter on done did not continue to the dashboard")
	}
}

func TestWrongCodesShowOneSentenceClearTheInputsAndAllowARetry(t *testing.T) {
	f := newFixture(t, 100, 50, false)
	d := scan(t, f)
	d.keys("enter", "123456", "enter", "123456", "enter")
	if v := d.view(); !strings.Contains(v, "The second code must be the next one") {
		t.Fatalf("the same code twice was not caught:\n%s", v)
	}
	if n := f.srv.Calls().Calls["EnableMFADevice"]; n != 0 {
		t.Fatalf("the same code twice reached AWS (%d calls)", n)
	}
	d.keys("backspace", "backspace") // code 2 is empty: backspace returns to code 1
	d.keys("backspace", "backspace", "backspace", "backspace", "backspace", "backspace")

	// Two codes far from the device's clock: AWS refuses them.
	secret := f.secret(t, firstSerial)
	later := f.srv.Clock().Now().Add(3600e9)
	d.keys(localaws.CodeAt(secret, later), "enter", localaws.CodeAt(secret, later.Add(30e9)), "enter")
	v := d.view()
	if !strings.Contains(v, "AWS did not accept the two codes") {
		t.Fatalf("no inline error for wrong codes:\n%s", v)
	}
	if strings.Count(v, "______") != 2 || !hasHelp(d.screen, "esc cancel set-up") || !d.screen.Capturing() {
		t.Fatalf("after wrong codes both inputs should be empty with code 1 focused:\n%s", v)
	}
	d.keys(f.codeFor(firstSerial), "enter")
	f.nextStep()
	d.keys(f.codeFor(firstSerial), "enter")
	if v := d.view(); !strings.Contains(v, "One more code") || strings.Contains(v, "did not accept") {
		t.Fatalf("the retry did not enable the device, or the old error stayed:\n%s", v)
	}
	// A reused code for the session: inline error, input cleared, retry works.
	d.keys(f.codeFor(firstSerial), "enter")
	if v := d.view(); !strings.Contains(v, "✗") || !strings.Contains(v, "______") {
		t.Fatalf("a reused code did not show an inline error with a cleared input:\n%s", v)
	}
	f.nextStep()
	d.keys(f.codeFor(firstSerial), "enter")
	if !strings.Contains(d.view(), "MFA is set up") {
		t.Fatalf("the retried session code did not finish:\n%s", d.view())
	}
}

func TestCodeInputsTakeDigitsOnly(t *testing.T) {
	f := newFixture(t, 100, 50, false)
	d := scan(t, f)
	d.keys("enter", "1a2 b3?q", "backspace", "98765")
	if v := d.view(); !strings.Contains(v, "129876") {
		t.Fatalf("code 1 should read 129876 (digits only, six at most):\n%s", v)
	}
}

func TestBusyBlocksDoubleSubmit(t *testing.T) {
	f := newFixture(t, 100, 50, false)
	s := onboarding.New(f.ctx)
	_, cmd := s.Update(keyMsg("enter"))
	if !s.Busy() || cmd == nil {
		t.Fatal("enter on the intro did not start a call")
	}
	if _, again := s.Update(keyMsg("enter")); again != nil {
		t.Fatal("a second enter while busy started another call")
	}
	if _, esc := s.Update(keyMsg("esc")); esc != nil {
		t.Fatal("esc while creating the device did something; it must wait for the call")
	}
	if h := enabledHelp(s); len(h) != 0 {
		t.Fatalf("help offers %q while busy", h)
	}
	d := newDriver(t, s)
	for _, m := range run(cmd) {
		d.send(m)
	}
	if n := f.srv.Calls().Calls["CreateVirtualMFADevice"]; n != 1 || !strings.Contains(d.view(), "Add the new MFA device") {
		t.Fatalf("CreateVirtualMFADevice calls = %d, view:\n%s", n, d.view())
	}
}

func TestCreationErrorIsInlineAndRetryable(t *testing.T) {
	f := newFixture(t, 100, 50, false)
	if err := f.engine.Store.RemoveKey("demo"); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, onboarding.New(f.ctx))
	d.keys("enter")
	v := d.view()
	if !strings.Contains(v, "✗") || !strings.Contains(v, introSentence) || d.screen.Busy() {
		t.Fatalf("a failed creation should return to the intro with one inline error:\n%s", v)
	}
	if strings.Count(strings.Split(v, "✗")[1], ".") < 1 {
		t.Fatalf("the error is not a sentence:\n%s", v)
	}
	if err := f.engine.Store.PutKey("demo", keyOf(f)); err != nil {
		t.Fatal(err)
	}
	d.keys("enter")
	if v := d.view(); !strings.Contains(v, "Add the new MFA device") || strings.Contains(v, "✗") {
		t.Fatalf("the retry did not create the device:\n%s", v)
	}
}

func TestDemoAuthenticatorShowsTheCurrentCodeUntilDone(t *testing.T) {
	f := newFixture(t, 100, 50, true)
	d := scan(t, f)
	v := d.view()
	if !strings.Contains(v, "DEMO AUTHENTICATOR (demo only)") || !strings.Contains(v, f.codeFor(firstSerial)) {
		t.Fatalf("the demo panel with the current code is missing:\n%s", v)
	}
	if len(d.demo) != 1 {
		t.Fatalf("the demo refresh did not schedule the next one (%d commands)", len(d.demo))
	}
	f.nextStep()
	d.send(onboarding.DemoCodeFor(firstSerial, f.codeFor(firstSerial)))
	if !strings.Contains(d.view(), f.codeFor(firstSerial)) {
		t.Fatal("the demo panel did not refresh")
	}
	d.keys("enter", f.codeFor(firstSerial), "enter")
	f.nextStep()
	d.keys(f.codeFor(firstSerial), "enter")
	f.nextStep()
	d.keys(f.codeFor(firstSerial), "enter")
	if v := d.view(); strings.Contains(v, "DEMO AUTHENTICATOR") || !strings.Contains(v, "MFA is set up") {
		t.Fatalf("the demo panel should be gone when done:\n%s", v)
	}
	before := len(d.demo)
	d.send(onboarding.DemoCodeFor(firstSerial, "000000"))
	if len(d.demo) != before {
		t.Fatal("the demo refresh keeps ticking after done")
	}
}
