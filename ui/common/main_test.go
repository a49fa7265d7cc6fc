package common_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them (an mfa_process left running, a command
// never finished).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
