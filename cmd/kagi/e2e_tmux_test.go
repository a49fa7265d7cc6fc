//go:build linux

package main_test

// The new user's first day, in a real terminal: tmux runs the real kagi binary against `kagi demo serve
// --scenario new-user` (alice holds exactly the forced-MFA self-management policy). The test reads the MFA
// seed off the screen, computes the codes with oathtool and completes onboarding, changes the console
// password, rotates the access key (deleting the old one) and assumes the admin role; a second kagi, after
// `kagi clear`, assumes it again through the TUI's MFA prompt. Then `kagi exec`, `kagi credential-process`
// and the real AWS CLI confirm what the endpoint now holds, the endpoint's call counters show no denied or
// failed call, and no file under HOME, TMPDIR or kagi's state holds any secret the endpoint issued.

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestE2ETmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kagi and drives it in tmux")
	}
	tmuxBin := eeTool(t, "tmux", "")
	awsBin := eeTool(t, "aws", "KAGI_TEST_AWS")
	start := time.Now()
	s := eeSetup(t)
	info := tmuxServe(t, s)
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	e := &tmuxE2E{t: t, s: s, info: info, aws: awsBin,
		newPassword: "Tmux-e2e-" + hex.EncodeToString(b[:6]) + "#9Z", cliPassword: "Cli-e2e-" + hex.EncodeToString(b[6:12]) + "!7Q"}
	e.w = s.world(t, &info.eeServeInfo, "file", "KAGI_FILE_PASSPHRASE="+hex.EncodeToString(b[12:]), "TERM=xterm-256color", "NO_COLOR=1")
	root := e.w.root // holds HOME, TMPDIR, the tmux socket and the AWS CLI's own HOME: the secrets scan covers it all
	e.tmp = filepath.Join(root, "tmp")
	if err := mkdirPrivate(e.tmp); err != nil {
		t.Fatal(err)
	}
	e.w.extra = append(e.w.extra, "TMPDIR="+e.tmp)
	e.w.writeConfig(tmuxConfig)
	before := map[string]bool{}
	maps.Copy(before, eeSnapshot(t, e.w.home))
	maps.Copy(before, eeSnapshot(t, e.tmp))
	e.w.putKey()
	e.term = newTmuxServer(t, tmuxBin, filepath.Join(root, "tmux.sock"), e.w.env())
	t.Logf("set up (build, endpoint, world) in %v", time.Since(start).Round(time.Millisecond))

	phase := time.Now()
	e.firstDay()
	t.Logf("first kagi: onboarding, password, rotation, assume in %v", time.Since(phase).Round(time.Millisecond))
	tuiCalls := e.w.calls()

	phase = time.Now()
	e.sessionsFromCache()
	e.assumeWithPrompt()
	t.Logf("kagi exec/credential-process, kagi clear, second kagi with the MFA prompt in %v", time.Since(phase).Round(time.Millisecond))

	// Modes before the AWS CLI runs: everything new under HOME and TMPDIR so far was written by kagi.
	created := append(eeCheckPrivate(t, e.w.home, before), eeCheckPrivate(t, e.tmp, before)...)
	t.Logf("kagi created %d paths under HOME and TMPDIR: %s", len(created), strings.Join(created, " "))

	phase = time.Now()
	e.confirmWithAWSCLI()
	t.Logf("AWS CLI checks in %v", time.Since(phase).Round(time.Millisecond))

	e.checkCalls(tuiCalls)
	eeNoSecrets(t, root, e.secrets())
	t.Logf("whole test %v", time.Since(start).Round(time.Millisecond))
}

// tmuxConfig: the source profile (no mfa_serial: kagi learns the device during onboarding), the admin role,
// and a credential_process profile for the AWS CLI.
const tmuxConfig = `[profile {dev}]

[profile {admin}]
source_profile = {dev}
role_arn = {adminARN}

[profile {cli}]
credential_process = kagi credential-process {admin}
`

// tmuxE2E is the state of the flow: what the endpoint issued and the test saw.
type tmuxE2E struct {
	t    *testing.T
	s    *eeSuite
	info *tmuxServeInfo
	w    *eeWorld
	term *tmuxServer
	aws  string
	tmp  string // the world's TMPDIR
	totp *tmuxTOTP

	seed, seedGrouped        string
	newPassword, cliPassword string
	newKeyID, newSecret      string
	serial                   string
	sessions                 map[string]string // what → a session secret or token seen
}

// firstDay: the first kagi, from onboarding to the admin role session, then quit.
func (e *tmuxE2E) firstDay() {
	t := e.t
	p := e.term.run(e.w.root, "first", e.s.kagi, "--profile", e.w.dev)
	e.onboard(p)
	e.changePassword(p)
	e.rotateKey(p)

	// The MFA session opened at the end of onboarding serves the role: no second code.
	p.menu("Roles and sessions", "Roles")
	p.wait("> "+e.w.admin, "iam-role-admin", "no session")
	p.press("Enter", "enter assume")
	if scr := p.wait(e.w.admin + ": role session ready"); strings.Contains(scr, "MFA code for") {
		t.Fatalf("the role asked for an MFA code although onboarding opened an MFA session:\n%s", scr)
	}
	p.press("Escape", "esc back")
	p.wait("· Dashboard ·")
	p.press("q", "q quit")
	if code := p.exitStatus(); code != 0 {
		t.Fatalf("kagi exited %d after q, want 0; the screen:\n%s", code, p.last)
	}
	e.w.wantSTS("after the first kagi", 1, 1)
}

var tmuxKeyLine = regexp.MustCompile(`^\s*([A-Z2-7]{1,4}(?: [A-Z2-7]{1,4})*)\s*$`)

// onboard: the dashboard sends the new user to MFA set-up; the test scans nothing but reads the key that
// 's' shows under the QR code, and types two consecutive codes, then a third for the session.
func (e *tmuxE2E) onboard(p *tmuxPane) {
	t := e.t
	p.wait("· Set up MFA ·", "Press enter to start.")
	p.press("Enter", "enter start")
	scr := p.wait("Press enter when your app shows a 6-digit code.", "User    "+e.info.UserName)
	if !regexp.MustCompile(`(?m)^[█▀▄ ]{40,}$`).MatchString(scr) {
		t.Fatalf("no QR code on a 100x40 terminal:\n%s", scr)
	}
	e.serial = regexp.MustCompile(`Device  (arn:aws:iam::\d{12}:mfa/\S+)`).FindStringSubmatch(scr)[1]
	p.press("s", "s show key")
	scr = p.wait("Or type this key into the app:")
	var groups []string
	lines := strings.Split(scr, "\n")
	for i, l := range lines {
		if !strings.Contains(l, "Or type this key into the app:") {
			continue
		}
		for _, k := range lines[i+1:] {
			m := tmuxKeyLine.FindStringSubmatch(k)
			if m == nil {
				break
			}
			groups = append(groups, m[1])
		}
	}
	e.seedGrouped = strings.Join(groups, " ")
	e.seed = strings.ReplaceAll(e.seedGrouped, " ", "")
	if len(e.seed) < 16 {
		t.Fatalf("no MFA key under the QR code:\n%s", scr)
	}
	e.totp = &tmuxTOTP{t: t, s: e.s, secret: e.seed}

	p.press("Enter", "enter enter codes")
	p.wait("Enter two consecutive codes", "› Code 1")
	c1, c2 := e.totp.pair()
	p.typeText(c1)
	p.wait("Code 1  " + c1)
	p.press("Enter", "enter next")
	p.wait("› Code 2")
	p.typeText(c2)
	p.wait("Code 2  " + c2)
	p.press("Enter", "enter enable")
	p.wait("✓ MFA device enabled", "One more code to start your session")
	c3 := e.totp.next()
	p.typeText(c3)
	p.wait("Code    " + c3)
	p.press("Enter", "enter start session")
	p.wait("✓ MFA is set up", "Device  "+e.serial, "Press enter to continue to the dashboard.")
	p.press("Enter", "enter continue")
	p.wait("· Dashboard ·", "✓ MFA device: enabled", "✓ MFA session:")
}

// changePassword: old password from the endpoint, a new one that meets the account's policy.
func (e *tmuxE2E) changePassword(p *tmuxPane) {
	p.menu("Change password", "Console password")
	p.wait("Current password", "✗ at least 14 characters")
	fields := []struct{ label, value string }{{"Current password", e.info.Password}, {"New password", e.newPassword}, {"Repeat it", e.newPassword}}
	for i, f := range fields {
		p.typeText(f.value)
		masked := regexp.MustCompile(`(?m)^` + f.label + ` +\*{` + fmt.Sprint(len(f.value)) + `}█?\s*$`)
		p.waitFunc(f.label+" masked", masked.MatchString)
		if i < 2 {
			p.press("Enter", "enter next field")
		}
	}
	p.wait("✓ at least 14 characters", "✓ a symbol", "✓ both entries match")
	p.press("Enter", "enter change the password")
	p.wait("✓ Your console password was changed.")
	p.press("Enter", "enter done")
	p.wait("· Dashboard ·")
}

var (
	tmuxNewKeyID  = regexp.MustCompile(`Access key ID\s+(AKIA[A-Z0-9]{16})`)
	tmuxNewSecret = regexp.MustCompile(`Secret access key\s+([A-Za-z0-9/+]{40})`)
)

// rotateKey: r, y to rotate, y to delete the old key, then x shows the new secret once and x hides it.
func (e *tmuxE2E) rotateKey(p *tmuxPane) {
	t := e.t
	old := e.info.AccessKeyID
	p.menu("Access keys", "Access keys")
	p.wait("AKIA…"+old[len(old)-4:], "kagi's key")
	p.press("r", "r rotate kagi's key")
	p.wait("Press y to rotate, n to cancel.")
	p.press("y", "y rotate")
	p.wait("Delete the old key AKIA…" + old[len(old)-4:] + " now?")
	p.press("y", "y delete the old key")
	p.wait("✓ Rotated: kagi signs with", "is deleted.", "press x to see it once")
	p.press("x", "x show the new secret once")
	scr := p.wait("Secret access key")
	id, secret := tmuxNewKeyID.FindStringSubmatch(scr), tmuxNewSecret.FindStringSubmatch(scr)
	if id == nil || secret == nil {
		t.Fatalf("the revealed key is not an access key ID and a 40-character secret:\n%s", scr)
	}
	e.newKeyID, e.newSecret = id[1], secret[1]
	if e.newKeyID == old || !strings.Contains(tmuxFlat(scr), "kagi signs with AKIA…"+e.newKeyID[len(e.newKeyID)-4:]) {
		t.Fatalf("the rotation names another key than the revealed %s:\n%s", e.newKeyID, scr)
	}
	p.press("x", "x hide it for good")
	p.gone("Secret access key")
	p.press("Escape", "esc back")
	p.wait("· Dashboard ·")
}

// sessionsFromCache: outside the TUI, exec and credential-process get the sessions the TUI cached (no STS
// call); then `kagi clear` drops them.
func (e *tmuxE2E) sessionsFromCache() {
	t := e.t
	e.sessions = map[string]string{}
	e.execEnv(e.w.dev, "onboarding's MFA session")
	e.execEnv(e.w.admin, "first role session")
	c, _ := e.w.credentials(nil, "kagi", "credential-process", e.w.admin)
	if c.AccessKeyId != e.sessions["first role session key"] {
		t.Fatalf("kagi credential-process %s gave %s, kagi exec %s", e.w.admin, c.AccessKeyId, e.sessions["first role session key"])
	}
	e.w.wantSTS("after exec and credential-process from the cache", 1, 1)
	if r := e.w.run(nil, "kagi", "clear"); r.code != 0 {
		t.Fatalf("%s", r)
	}
}

// execEnv runs `kagi exec PROFILE -- env` and records the session's secret and token.
func (e *tmuxE2E) execEnv(profile, what string) {
	t := e.t
	r := e.w.run(nil, "kagi", "exec", profile, "--", "env")
	env := map[string]string{}
	for _, l := range strings.Split(r.stdout, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			env[k] = v
		}
	}
	if r.code != 0 || !strings.HasPrefix(env["AWS_ACCESS_KEY_ID"], "ASIA") || env["AWS_SECRET_ACCESS_KEY"] == "" || env["AWS_SESSION_TOKEN"] == "" {
		t.Fatalf("kagi exec %s -- env: exit %d, want a session in the environment\nstderr: %s", profile, r.code, r.stderr)
	}
	e.sessions[what+" key"] = env["AWS_ACCESS_KEY_ID"]
	e.sessions[what+" secret"] = env["AWS_SECRET_ACCESS_KEY"]
	e.sessions[what+" token"] = env["AWS_SESSION_TOKEN"]
}

// assumeWithPrompt: with no session cached, a second kagi asks for an MFA code when the role is assumed.
func (e *tmuxE2E) assumeWithPrompt() {
	t := e.t
	p := e.term.run(e.w.root, "second", e.s.kagi, "--profile", e.w.dev)
	p.wait("· Dashboard ·", ":user/"+e.info.UserName, "✓ MFA device: enabled")
	p.menu("Roles and sessions", "Roles")
	p.wait("> "+e.w.admin, "no session")
	p.press("Enter", "enter assume")
	p.wait("MFA code for "+e.w.admin, "(device "+e.serial+")")
	code := e.totp.next()
	p.typeText(code)
	p.wait("MFA code: " + code)
	p.press("Enter", "enter submit code")
	p.wait(e.w.admin + ": role session ready")
	p.press("Escape", "esc back")
	p.wait("· Dashboard ·")
	p.press("q", "q quit")
	if code := p.exitStatus(); code != 0 {
		t.Fatalf("the second kagi exited %d after q, want 0; the screen:\n%s", code, p.last)
	}
	e.w.wantSTS("after the second kagi", 2, 2)
}

func mkdirPrivate(dir string) error { return os.Mkdir(dir, 0o700) }
