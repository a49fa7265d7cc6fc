package onboarding_test

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/onboarding"
)

// The device BeginEnrollment creates for the scenario's user, and the one after a leftover.
const (
	firstSerial  = "arn:aws:iam::000000000000:mfa/alice"
	secondSerial = "arn:aws:iam::000000000000:mfa/alice-2"
)

// fixture is a new IAM user (forced-MFA policy, no device) on the embedded endpoint, with a real engine
// holding the user's long-term key for profile "demo".
type fixture struct {
	srv    *localaws.Server
	seeded *localaws.Seeded
	engine *session.Engine
	ctx    *common.Context
}

func newFixture(t *testing.T, width, height int, demo bool) *fixture {
	t.Helper()
	srv := localaws.New(localaws.Options{})
	// Frozen 5 s into a TOTP step: tests move it a step at a time for consecutive codes.
	srv.Clock().Set(time.Now().Truncate(30 * time.Second).Add(5 * time.Second))
	seeded, err := srv.Seed(localaws.ScenarioNewUser)
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config")
	if err := os.WriteFile(cfgPath, []byte("[profile demo]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": dir, "AWS_CONFIG_FILE": cfgPath,
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"), "KAGI_STATE_DIR": filepath.Join(dir, "state")}
	store := session.NewStore(keyring.NewArrayKeyring(nil), "array")
	if err := store.PutKey("demo", session.LongTermKey{AccessKeyID: seeded.AccessKeyID, SecretAccessKey: seeded.SecretAccessKey}); err != nil {
		t.Fatal(err)
	}
	cfg := awsx.Config{Region: "us-east-1", IAMEndpoint: url, STSEndpoint: url, RetryMaxAttempts: 1}
	eng, err := session.Open(session.Options{Env: func(k string) string { return env[k] }, AWS: cfg, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	eng.Now = srv.Clock().Now

	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	f := &fixture{srv: srv, seeded: seeded, engine: eng, ctx: &common.Context{
		Profile: "demo", Engine: eng, AWS: cfg, Styles: common.NewStyles(r), Now: srv.Clock().Now,
		Width: width, Height: bodyHeight(height),
	}}
	if demo {
		f.ctx.Demo = &common.Demo{Code: f.codeFor, EndpointURL: url}
	}
	return f
}

// rootChrome is what the root draws around a screen (header and help line); it gives the screen the rest
// of the terminal's height in Context.Height.
const rootChrome = 2

func bodyHeight(terminal int) int { return max(terminal-rootChrome, 0) }

// secret is the seed the endpoint holds for serial (what the user's authenticator app would hold).
func (f *fixture) secret(t *testing.T, serial string) string {
	t.Helper()
	s, ok := f.srv.MFASecret(serial)
	if !ok {
		t.Fatalf("the endpoint has no device %s", serial)
	}
	return s
}

// codeFor is what an authenticator app shows now for serial.
func (f *fixture) codeFor(serial string) string {
	s, ok := f.srv.MFASecret(serial)
	if !ok {
		return ""
	}
	return localaws.CodeAt(s, f.srv.Clock().Now())
}

// nextStep moves the endpoint clock to the next TOTP step, so the app shows a new code.
func (f *fixture) nextStep() { f.srv.Clock().Advance(30 * time.Second) }

// userIAM is an IAM client signing with the user's long-term key (no MFA).
func (f *fixture) userIAM() awsx.MFAAPI {
	return f.ctx.AWS.WithCredentials(credentials.NewStaticCredentialsProvider(f.seeded.AccessKeyID, f.seeded.SecretAccessKey, ""), "test").IAM()
}

// deniedCalls lists the endpoint's AccessDenied answers ("Action:AccessDenied" → count).
func (f *fixture) deniedCalls() map[string]int {
	out := map[string]int{}
	for k, v := range f.srv.Calls().Errors {
		if strings.Contains(k, "AccessDenied") {
			out[k] = v
		}
	}
	return out
}

// driver feeds a screen like the root would and records what it asks of the root.
type driver struct {
	t      *testing.T
	screen common.Screen
	out    []tea.Msg // BackMsg, RefreshMsg, QuitMsg, …: messages for the root
	demo   []tea.Cmd // the commands that followed demo refreshes (one-second ticks, not run)
}

func newDriver(t *testing.T, s common.Screen) *driver { return &driver{t: t, screen: s} }

// send delivers msg and settles: the commands it returns run synchronously and their messages are fed back,
// except spinner ticks (dropped) and messages for the root (recorded in d.out).
func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	screen, cmd := d.screen.Update(msg)
	d.screen = screen
	if onboarding.IsDemoCode(msg) {
		if cmd != nil {
			d.demo = append(d.demo, cmd)
		}
		return
	}
	for _, m := range run(cmd) {
		switch m.(type) {
		case spinner.TickMsg:
		case common.BackMsg, common.RefreshMsg, common.NavigateMsg, tea.QuitMsg:
			d.out = append(d.out, m)
		default:
			d.send(m)
		}
	}
}

// keys types each string as a key press: "enter", "esc", "ctrl+c", "backspace" or literal text.
func (d *driver) keys(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		d.send(keyMsg(k))
	}
}

func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

func (d *driver) view() string { return d.screen.View() }

func (d *driver) got(want tea.Msg) bool {
	for _, m := range d.out {
		if reflect.TypeOf(m) == reflect.TypeOf(want) {
			return true
		}
	}
	return false
}

// run executes cmd the way the runtime does, flattening batches and sequences (both are slices of
// commands), and returns the messages in order.
func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if msg == nil {
		return nil
	}
	v := reflect.ValueOf(msg)
	if v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
		var out []tea.Msg
		for i := 0; i < v.Len(); i++ {
			out = append(out, run(v.Index(i).Interface().(tea.Cmd))...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// enabledHelp lists "key desc" of the bindings the screen's help would show.
func enabledHelp(s common.Screen) []string {
	var out []string
	for _, b := range s.KeyMap().ShortHelp() {
		if b.Enabled() {
			out = append(out, b.Help().Key+" "+b.Help().Desc)
		}
	}
	return out
}

func hasHelp(s common.Screen, want string) bool {
	for _, h := range enabledHelp(s) {
		if h == want {
			return true
		}
	}
	return false
}

// holds reports whether any string reachable from v (fields, pointers, slices, maps, interfaces, byte
// slices) contains needle. Function values are opaque and skipped.
func holds(v any, needle string) bool {
	seen := map[uintptr]bool{}
	var walk func(reflect.Value, int) bool
	walk = func(v reflect.Value, depth int) bool {
		if !v.IsValid() || depth > 64 {
			return false
		}
		switch v.Kind() {
		case reflect.String:
			return strings.Contains(v.String(), needle)
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return false
			}
			seen[v.Pointer()] = true
			return walk(v.Elem(), depth+1)
		case reflect.Interface:
			return walk(v.Elem(), depth+1)
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if walk(v.Field(i), depth+1) {
					return true
				}
			}
		case reflect.Slice, reflect.Array:
			if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
				return strings.Contains(string(v.Bytes()), needle)
			}
			for i := 0; i < v.Len(); i++ {
				if walk(v.Index(i), depth+1) {
					return true
				}
			}
		case reflect.Map:
			iter := v.MapRange()
			for iter.Next() {
				if walk(iter.Key(), depth+1) || walk(iter.Value(), depth+1) {
					return true
				}
			}
		}
		return false
	}
	return walk(reflect.ValueOf(v), 0)
}

func keyOf(f *fixture) session.LongTermKey {
	return session.LongTermKey{AccessKeyID: f.seeded.AccessKeyID, SecretAccessKey: f.seeded.SecretAccessKey}
}
