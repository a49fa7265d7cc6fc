package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui"
	"github.com/kagi-cli/kagi/ui/common"
)

// demoProfile is the demo user's source profile; admin and operator are its role profiles.
const demoProfile = "demo"

const demoConfig = `[profile demo]
region = %[1]s

[profile admin]
role_arn = %[2]s
source_profile = demo

[profile operator]
role_arn = %[3]s
source_profile = demo
`

// runDemoTUI is `kagi demo`: the terminal UI on a throwaway world, removed on exit.
func (a *app) runDemoTUI(cmd *cobra.Command) error {
	if !a.terminal() {
		return usagef("kagi's terminal UI needs a terminal; use 'kagi demo serve' for the demo endpoint alone")
	}
	w, err := newDemoWorld(a.debugLog)
	if err != nil {
		return err
	}
	defer w.Close()
	fmt.Fprintf(a.stderr, "kagi demo: a throwaway AWS account on %s; nothing of yours is used.\n", w.URL)
	return tuiError(ui.Run(cmd.Context(), w.Context(tuiStyles()), common.ScreenDashboard))
}

// demoWorld is everything `kagi demo` uses, under one temporary directory: the embedded endpoint seeded with
// a new user (no MFA device), a HOME with an AWS config, a file keyring holding the user's key, and kagi's
// state. The engine reads only this environment, never the process's: nothing of the user's ~/.aws, keyring
// or state is read or written.
type demoWorld struct {
	Dir    string
	URL    string
	Server *localaws.Server
	Seeded *localaws.Seeded
	Env    map[string]string
	AWS    awsx.Config
	Engine *session.Engine
}

// newDemoWorld builds the world; Close removes it.
func newDemoWorld(debug *awsx.DebugLog) (w *demoWorld, err error) {
	dir, err := os.MkdirTemp("", "kagi-demo-")
	if err != nil {
		return nil, fmt.Errorf("demo: temporary directory: %w", err)
	}
	world := &demoWorld{Dir: dir, Server: localaws.New(localaws.Options{Log: debug.Printf})}
	w = world
	defer func() {
		if err != nil {
			_ = world.Close() // the error returns set w to nil; world still names what to remove
		}
	}()
	if w.Seeded, err = w.Server.Seed(localaws.ScenarioNewUser); err != nil {
		return nil, fmt.Errorf("demo: seed the account: %w", err)
	}
	if w.URL, err = w.Server.Start("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("demo: start the endpoint: %w", err)
	}
	if w.Env, err = demoEnv(dir); err != nil {
		return nil, err
	}
	config := fmt.Sprintf(demoConfig, w.Seeded.Region, w.Seeded.Roles["iam-role-admin"], w.Seeded.Roles["iam-role-operator"])
	if err := writeDemoFile(w.Env["AWS_CONFIG_FILE"], config); err != nil {
		return nil, err
	}
	env := session.Env(func(k string) string { return w.Env[k] })
	store, err := session.OpenStore(session.StoreOptions{Env: env, Debug: debug.Printf})
	if err != nil {
		return nil, fmt.Errorf("demo: keyring: %w", err)
	}
	if err := store.PutKey(demoProfile, session.LongTermKey{AccessKeyID: w.Seeded.AccessKeyID, SecretAccessKey: w.Seeded.SecretAccessKey}); err != nil {
		return nil, fmt.Errorf("demo: keyring: %w", err)
	}
	w.AWS = awsx.Config{Profile: demoProfile, Region: w.Seeded.Region, IAMEndpoint: w.URL, STSEndpoint: w.URL, Debug: debug}
	if w.Engine, err = session.Open(session.Options{Env: env, AWS: w.AWS, Store: store}); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return w, nil
}

// demoEnv is the world's environment: every path kagi or the keyring derives from it lies under dir.
func demoEnv(dir string) (map[string]string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("demo: keyring passphrase: %w", err)
	}
	home := filepath.Join(dir, "home")
	return map[string]string{
		"HOME":                        home,
		"AWS_CONFIG_FILE":             filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, ".aws", "credentials"),
		"XDG_CONFIG_HOME":             filepath.Join(dir, "config"),
		"XDG_STATE_HOME":              filepath.Join(dir, "state"),
		"XDG_CACHE_HOME":              filepath.Join(dir, "cache"),
		"XDG_RUNTIME_DIR":             filepath.Join(dir, "run"),
		"KAGI_STATE_DIR":              filepath.Join(dir, "state", "kagi"),
		"KAGI_KEYRING_BACKEND":        "file",
		"KAGI_FILE_PASSPHRASE":        hex.EncodeToString(b[:]),
	}, nil
}

func writeDemoFile(path, body string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// Context is the UI's context for the world, with the virtual authenticator of the demo account.
func (w *demoWorld) Context(styles *common.Styles) *common.Context {
	return &common.Context{
		Profile: demoProfile, Engine: w.Engine, AWS: w.AWS, Styles: styles, Now: time.Now,
		Demo: &common.Demo{EndpointURL: w.URL, Code: w.Code},
	}
}

// Code is the current code of a demo MFA device, "" if the endpoint has no such device.
func (w *demoWorld) Code(serial string) string {
	secret, ok := w.Server.MFASecret(serial)
	if !ok {
		return ""
	}
	return localaws.CodeAt(secret, w.Server.Clock().Now())
}

// Close stops the endpoint and removes the world's directory.
func (w *demoWorld) Close() error {
	return errors.Join(w.Server.Close(), os.RemoveAll(w.Dir))
}
