package common

// ScreenID names a screen of the UI.
type ScreenID int

// The screens.
const (
	ScreenDashboard ScreenID = iota
	ScreenOnboarding
	ScreenPassword
	ScreenAccessKeys
	ScreenRoles
	ScreenGitCredentials
	ScreenMFADevice
)

func (s ScreenID) String() string {
	switch s {
	case ScreenDashboard:
		return "dashboard"
	case ScreenOnboarding:
		return "onboarding"
	case ScreenPassword:
		return "password"
	case ScreenAccessKeys:
		return "access keys"
	case ScreenRoles:
		return "roles"
	case ScreenGitCredentials:
		return "git credentials"
	case ScreenMFADevice:
		return "mfa device"
	}
	return "unknown"
}

// NavigateMsg asks the root to open a screen. Screens never import each other; they send this.
type NavigateMsg struct{ To ScreenID }

// BackMsg asks the root to return to the dashboard.
type BackMsg struct{}

// RefreshMsg tells the dashboard that something changed (MFA enabled, key rotated…) and its panels
// should load again.
type RefreshMsg struct{}

// ExecMsg asks the root to suspend the UI and run a command with a role session (a subshell).
type ExecMsg struct {
	Argv []string
	Env  []string
}

// ExecDoneMsg reports the end of an ExecMsg command.
type ExecDoneMsg struct{ Err error }
