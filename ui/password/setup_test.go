package password_test

import (
	"testing"

	"github.com/kagi-cli/kagi/ui/internal/screentest"
)

// The shared harness of the self-service screens' tests, under the short names these tests use.
type (
	world   = screentest.World
	harness = screentest.Harness
)

var (
	frozen    = screentest.Frozen
	asking    = screentest.Asking
	keyMsgs   = screentest.KeyMsgs
	waitFor   = screentest.WaitFor
	finalView = screentest.FinalView
	fits      = screentest.Fits
	enter     = screentest.Enter
	flat      = screentest.Flat
)

func setup(t *testing.T) *world { return screentest.Setup(t) }
