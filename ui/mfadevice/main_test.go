package mfadevice_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them (a program not quit, an endpoint not
// closed, a ticker left running). teatest.NewTestModel starts a goroutine that waits for SIGINT and is never
// stopped when the program ends normally (teatest v0.0.0-20251215102626, teatest.go:147); nothing can end
// it, so it alone is ignored. The goroutine running the program itself (func1) is still checked.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/charmbracelet/x/exp/teatest.NewTestModel.func2"))
}
