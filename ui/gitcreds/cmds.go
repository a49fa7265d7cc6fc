package gitcreds

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/common"
)

// credsMsg carries the user's Git credentials.
type credsMsg struct {
	creds []awsx.GitCredential
	err   error
}

// secretMsg carries a credential with its password, from a creation or a reset: the only time IAM shows it.
type secretMsg struct {
	secret   awsx.GitSecret
	userName string // the IAM user, learnt for a creation
	err      error
}

// changedMsg reports a status change or a deletion.
type changedMsg struct {
	done string // one sentence on what happened
	err  error
}

// identityAPI is what a creation needs besides the Git calls: who the user is (IAM wants the name).
type identityAPI struct {
	sts awsx.CallerIdentityAPI
	iam awsx.UserAPI
}

func loadCreds(api awsx.GitCredentialsAPI) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.CallTimeout)
		defer cancel()
		creds, err := awsx.ListGitCredentials(ctx, api, "")
		return credsMsg{creds: creds, err: err}
	}
}

// create makes a credential; userName is the IAM user, "" until the first creation looks it up.
func create(api awsx.GitCredentialsAPI, who identityAPI, userName string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.CallTimeout)
		defer cancel()
		if userName == "" {
			id, err := awsx.WhoAmI(ctx, who.sts, who.iam)
			if err != nil {
				return secretMsg{err: err}
			}
			userName = id.UserName
		}
		secret, err := awsx.CreateGitCredential(ctx, api, userName)
		return secretMsg{secret: secret, userName: userName, err: err}
	}
}

func reset(api awsx.GitCredentialsAPI, id string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.CallTimeout)
		defer cancel()
		secret, err := awsx.ResetGitCredential(ctx, api, "", id)
		return secretMsg{secret: secret, err: err}
	}
}

func setStatus(api awsx.GitCredentialsAPI, c awsx.GitCredential, active bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.CallTimeout)
		defer cancel()
		done := "Deactivated " + label(c) + "."
		if active {
			done = "Activated " + label(c) + "."
		}
		return changedMsg{done: done, err: awsx.SetGitCredentialStatus(ctx, api, "", c.ID, active)}
	}
}

func deleteCred(api awsx.GitCredentialsAPI, c awsx.GitCredential) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.CallTimeout)
		defer cancel()
		return changedMsg{done: "Deleted " + label(c) + ".", err: awsx.DeleteGitCredential(ctx, api, "", c.ID)}
	}
}

// label names a credential in sentences: its Git user name (shared by a user's credentials) and masked ID.
func label(c awsx.GitCredential) string { return c.UserName + " (" + session.MaskKeyID(c.ID) + ")" }
