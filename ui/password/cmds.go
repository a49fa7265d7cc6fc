package password

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/ui/common"
)

// policyMsg carries the account password policy.
type policyMsg struct {
	policy awsx.PasswordPolicy
	err    error
}

// generatedMsg carries a generated password.
type generatedMsg struct {
	password string
	err      error
}

// changedMsg reports the end of a password change.
type changedMsg struct{ err error }

func loadPolicy(api awsx.PasswordPolicyAPI) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.CallTimeout)
		defer cancel()
		p, err := awsx.GetPasswordPolicy(ctx, api)
		return policyMsg{policy: p, err: err}
	}
}

// generate is a command because it draws from crypto/rand: Update stays deterministic.
func generate(p awsx.PasswordPolicy) tea.Cmd {
	return func() tea.Msg {
		pw, err := awsx.GeneratePassword(p)
		return generatedMsg{password: pw, err: err}
	}
}

func changePassword(api awsx.PasswordAPI, current, next string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.CallTimeout)
		defer cancel()
		return changedMsg{err: awsx.ChangePassword(ctx, api, current, next)}
	}
}

func refresh() tea.Msg { return common.RefreshMsg{} }
