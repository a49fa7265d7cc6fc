package mfadevice_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/internal/screentest"
	"github.com/kagi-cli/kagi/ui/mfadevice"
)

// The shared harness of the self-service screens' tests, under the short names these tests use.
type (
	world   = screentest.World
	harness = screentest.Harness
)

var (
	waitFor   = screentest.WaitFor
	finalView = screentest.FinalView
	fits      = screentest.Fits
	enter     = screentest.Enter
	flat      = screentest.Flat
)

// setup is the onboarded demo account; its config pins the device with mfa_serial.
func setup(t *testing.T) *world { return screentest.Setup(t) }

// setupUnpinned is the account as kagi's own onboarding leaves it: no mfa_serial in the config, the device
// recorded by kagi when record is set (else kagi knows no device for the profile).
func setupUnpinned(t *testing.T, record bool) *world {
	t.Helper()
	w := setup(t)
	e := w.Ctx.Engine
	if err := os.WriteFile(e.Config.Path, []byte("[profile demo]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := session.LoadConfig(e.Config.Path)
	if err != nil {
		t.Fatal(err)
	}
	e.Config = cfg
	if record {
		if err := e.RecordSerial("demo", w.Seeded.MFASerial); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// open starts the screen and waits for the device list.
func open(t *testing.T, w *world) *mfadevice.Model {
	t.Helper()
	m := mfadevice.New(w.Ctx)
	w.Drive(m, m.Init())
	if v := flat(m.View()); !strings.Contains(v, "MFA devices of alice") {
		t.Fatalf("no device list:\n%s", m.View())
	}
	return m
}

// codeIn is the device's code d after the endpoint's now (a phone whose clock is d ahead).
func codeIn(w *world, d time.Duration) string {
	return localaws.CodeAt(w.Seeded.MFASecret, w.Srv.Clock().Now().Add(d))
}

// assigned lists the user's MFA devices, asking the endpoint with the user's long-term key.
func assigned(t *testing.T, w *world) []string {
	t.Helper()
	creds := credentials.NewStaticCredentialsProvider(w.Seeded.AccessKeyID, w.Seeded.SecretAccessKey, "")
	devices, err := awsx.Devices(context.Background(), w.Cfg.WithCredentials(creds, "test").IAM(), "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range devices {
		out = append(out, d.SerialNumber)
	}
	return out
}

func keyMsg(t tea.KeyType) tea.KeyMsg { return tea.KeyMsg{Type: t} }
