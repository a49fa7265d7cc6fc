package ui

import (
	"github.com/kagi-cli/kagi/ui/accesskeys"
	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/dashboard"
	"github.com/kagi-cli/kagi/ui/gitcreds"
	"github.com/kagi-cli/kagi/ui/mfadevice"
	"github.com/kagi-cli/kagi/ui/onboarding"
	"github.com/kagi-cli/kagi/ui/password"
	"github.com/kagi-cli/kagi/ui/roles"
)

// builders are the screens this build can open. A screen missing here is not reachable: the dashboard
// shows its menu item disabled.
func builders() map[common.ScreenID]func(*common.Context) common.Screen {
	return map[common.ScreenID]func(*common.Context) common.Screen{
		common.ScreenDashboard:      func(c *common.Context) common.Screen { return dashboard.New(c, Wired) },
		common.ScreenRoles:          func(c *common.Context) common.Screen { return roles.New(c) },
		common.ScreenOnboarding:     func(c *common.Context) common.Screen { return onboarding.New(c) },
		common.ScreenPassword:       func(c *common.Context) common.Screen { return password.New(c) },
		common.ScreenAccessKeys:     func(c *common.Context) common.Screen { return accesskeys.New(c) },
		common.ScreenGitCredentials: func(c *common.Context) common.Screen { return gitcreds.New(c) },
		common.ScreenMFADevice:      func(c *common.Context) common.Screen { return mfadevice.New(c) },
	}
}

// Wired reports whether this build can open screen id.
func Wired(id common.ScreenID) bool {
	_, ok := builders()[id]
	return ok
}

// newScreen builds screen id, or reports that this build has no such screen.
func newScreen(c *common.Context, id common.ScreenID) (common.Screen, bool) {
	build, ok := builders()[id]
	if !ok {
		return nil, false
	}
	return build(c), true
}
