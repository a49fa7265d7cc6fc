package roles_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/99designs/keyring"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/roles"
)

// Before MFA, Enter warns instead of calling AWS (a forced-MFA policy would deny the role); a second Enter
// goes ahead.
func TestAssumeWithoutMFADeviceWarnsFirst(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	body := "[profile dev]\nregion = us-east-1\n\n[profile admin]\nsource_profile = dev\nrole_arn = arn:aws:iam::000000000000:role/iam-role-admin\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": dir, "AWS_CONFIG_FILE": cfg, "KAGI_STATE_DIR": filepath.Join(dir, "state")}
	eng, err := session.Open(session.Options{Env: func(k string) string { return env[k] }, Store: session.NewStore(keyring.NewArrayKeyring(nil), "array"),
		AWS: awsx.Config{Region: "us-east-1", IAMEndpoint: "http://127.0.0.1:1", STSEndpoint: "http://127.0.0.1:1", RetryMaxAttempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	common.UseTokens(eng)
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	m := roles.New(&common.Context{Profile: "dev", Engine: eng, Styles: common.NewStyles(r)})
	m.Update(m.Init()())

	enter := tea.KeyMsg{Type: tea.KeyEnter}
	if _, cmd := m.Update(enter); cmd != nil || m.Busy() {
		t.Fatal("the first Enter started a call")
	}
	if v := m.View(); !strings.Contains(v, "No MFA device is known for profile admin") {
		t.Fatalf("no warning:\n%s", v)
	}
	if _, cmd := m.Update(enter); cmd == nil || !m.Busy() {
		t.Fatal("the second Enter did not go ahead")
	}
}
