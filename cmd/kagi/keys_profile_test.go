package main

// Tests of add, remove, import and clear, in process against localaws, with a file keyring in a temp dir.
// Helpers are prefixed "kp"; list_test.go and console_test.go use them too.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kagi-cli/kagi/awsx/localaws"
	"github.com/kagi-cli/kagi/session"
)

// kpWorld is one test's account, files and keyring.
type kpWorld struct {
	t             *testing.T
	srv           *localaws.Server
	seeded        *localaws.Seeded
	env           map[string]string
	config, creds string
	configBody    string
	keyring       string
}

// kpSetup starts localaws (onboarded: alice has MFA) and writes a config with source profile dev and role
// profile admin. The file keyring's directory comes from os.UserConfigDir, which reads the process
// environment, so HOME and XDG_CONFIG_HOME are set for the process too (no t.Parallel).
func kpSetup(t *testing.T) *kpWorld {
	t.Helper()
	srv, seeded, env := cliEndpoint(t, localaws.ScenarioOnboarded)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	w := &kpWorld{t: t, srv: srv, seeded: seeded, env: env,
		config: filepath.Join(home, ".aws", "config"), creds: filepath.Join(home, ".aws", "credentials"),
		keyring: filepath.Join(home, ".config", "kagi", "keyring")}
	for k, v := range map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config"),
		"KAGI_KEYRING_BACKEND": "file", "KAGI_FILE_PASSPHRASE": "test passphrase", "KAGI_STATE_DIR": filepath.Join(home, "state"),
		"AWS_CONFIG_FILE": w.config, "AWS_SHARED_CREDENTIALS_FILE": w.creds, "KAGI_SESSION_CACHE": "backend"} {
		env[k] = v
	}
	w.configBody = "[profile dev]\nregion = us-east-1\nmfa_serial = " + seeded.MFASerial + "\n\n" +
		"[profile admin]\nsource_profile = dev\nrole_arn = " + seeded.Roles["iam-role-admin"] + "\n"
	kpWrite(t, w.config, w.configBody)
	return w
}

func kpWrite(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (w *kpWorld) run(args ...string) cliResult {
	w.t.Helper()
	return cliRun(w.t, context.Background(), w.env, args...)
}

func (w *kpWorld) runCtx(ctx context.Context, args ...string) cliResult {
	w.t.Helper()
	return cliRun(w.t, ctx, w.env, args...)
}

// code is the current MFA code; next is the next step's (the endpoint allows one step of skew), for a
// second MFA call within the same 30 seconds.
func (w *kpWorld) code() string { return localaws.CodeAt(w.seeded.MFASecret, w.srv.Clock().Now()) }
func (w *kpWorld) next() string {
	return localaws.CodeAt(w.seeded.MFASecret, w.srv.Clock().Now().Add(30*time.Second))
}

func (w *kpWorld) store() *session.Store {
	w.t.Helper()
	s, err := session.OpenStore(session.StoreOptions{Env: func(k string) string { return w.env[k] }})
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

// storedKey is dev's key in the keyring, or ok false.
func (w *kpWorld) storedKey(profile string) (session.LongTermKey, bool) {
	w.t.Helper()
	k, err := w.store().Key(profile)
	if errors.Is(err, session.ErrNotFound) {
		return k, false
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return k, true
}

// kpState is what must not change when a command fails.
type kpState struct {
	config, creds string
	key           session.LongTermKey
	hasKey        bool
	entries       int
}

func (w *kpWorld) snapshot() kpState {
	w.t.Helper()
	c, _ := os.ReadFile(w.config)
	cr, _ := os.ReadFile(w.creds)
	k, ok := w.storedKey("dev")
	entries, err := w.store().Entries()
	if err != nil {
		w.t.Fatal(err)
	}
	return kpState{string(c), string(cr), k, ok, len(entries)}
}

// kpWantError checks an error run: its exit code, one "kagi: " line on stderr naming want, nothing on stdout,
// and nothing changed. Messages are compared ignoring case: run capitalises the first letter.
func kpWantError(t *testing.T, w *kpWorld, before kpState, r cliResult, code int, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	wantLines := 1
	if code == exitUsage {
		wantLines = 2 // and "Run 'kagi --help' for usage."
	}
	if r.code != code || r.stdout != "" || len(lines) != wantLines || !strings.HasPrefix(lines[0], "kagi: ") ||
		!strings.Contains(strings.ToLower(lines[0]), strings.ToLower(want)) {
		t.Fatalf("want exit %d with one line containing %q; got code %d stdout %q stderr %q", code, want, r.code, r.stdout, r.stderr)
	}
	if after := w.snapshot(); after != before {
		t.Fatalf("a failed command changed state:\nbefore %+v\nafter  %+v", before, after)
	}
}

func (w *kpWorld) addDev() {
	w.t.Helper()
	if r := w.run("add", "dev", "--env"); r.code != exitOK {
		w.t.Fatalf("add dev --env: %+v", r)
	}
}

// kpTTY is a fake terminal: it reads the given input and records what kagi writes.
type kpTTY struct {
	in     io.Reader
	mu     sync.Mutex
	out    bytes.Buffer
	closed bool
}

func (k *kpTTY) Read(p []byte) (int, error) { return k.in.Read(p) }
func (k *kpTTY) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.out.Write(p)
}
func (k *kpTTY) Close() error { k.mu.Lock(); k.closed = true; k.mu.Unlock(); return nil }
func (k *kpTTY) written() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.out.String()
}

func kpWithTTY(input string) (context.Context, *kpTTY) {
	tty := &kpTTY{in: strings.NewReader(input)}
	return withTTY(context.Background(), func() (io.ReadWriteCloser, error) { return tty, nil }), tty
}

func kpMask(id string) string { return id[:4] + "…" + id[len(id)-4:] }

func kpNoTTY() context.Context {
	return withTTY(context.Background(), func() (io.ReadWriteCloser, error) { return nil, errors.New("no tty") })
}

func TestKeysAddFromEnvironment(t *testing.T) {
	w := kpSetup(t)
	r := w.run("add", "dev", "--env")
	id := w.seeded.AccessKeyID
	want := "Added access key " + kpMask(id) + " for profile dev (keyring: file).\n"
	if r.code != exitOK || r.stdout != "" || r.stderr != want {
		t.Fatalf("add --env: %+v, want stderr %q", r, want)
	}
	if k, ok := w.storedKey("dev"); !ok || k.AccessKeyID != id || k.SecretAccessKey != w.seeded.SecretAccessKey {
		t.Fatalf("keyring holds %v %v", k.AccessKeyID, ok)
	}
	if strings.Contains(r.stderr, w.seeded.SecretAccessKey) {
		t.Fatal("add printed the secret")
	}

	before := w.snapshot()
	kpWantError(t, w, before, w.run("add", "dev", "--env"), exitError, "already has an access key in the keyring; pass --replace")
	if r := w.run("add", "dev", "--env", "--replace"); r.code != exitOK {
		t.Fatalf("add --replace: %+v", r)
	}
	kpWantError(t, w, before, w.run("add", "admin", "--env"), exitError, "add the key to dev")
	kpWantError(t, w, before, w.run("add"), exitUsage, "accepts 1 arg")
	delete(w.env, "AWS_SECRET_ACCESS_KEY")
	kpWantError(t, w, before, w.run("add", "ops", "--env"), exitError, "--env needs both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
}

func TestKeysAddRejectsBadKeys(t *testing.T) {
	w := kpSetup(t)
	before := w.snapshot()
	for _, tc := range []struct{ id, secret, want string }{
		{"ASIAEXAMPLEEXAMPLE12", w.seeded.SecretAccessKey, "that is a temporary key"},
		{"AIDAEXAMPLEEXAMPLE12", w.seeded.SecretAccessKey, "does not start with AKIA"},
		{"akiaexampleexample12", w.seeded.SecretAccessKey, "16 to 128 capital letters"},
		{w.seeded.AccessKeyID, "short", "the secret access key is not one (5 characters"},
		{w.seeded.AccessKeyID, w.seeded.AccessKeyID, "looks like an access key ID"},
	} {
		w.env["AWS_ACCESS_KEY_ID"], w.env["AWS_SECRET_ACCESS_KEY"] = tc.id, tc.secret
		r := w.run("add", "dev", "--env")
		kpWantError(t, w, before, r, exitError, tc.want)
		if strings.Contains(r.stderr, tc.secret) || strings.Contains(r.stderr, tc.id) {
			t.Errorf("the error repeats the input: %q", r.stderr)
		}
	}
}

func TestKeysAddFromTerminal(t *testing.T) {
	w := kpSetup(t)
	before := w.snapshot()
	kpWantError(t, w, before, w.runCtx(kpNoTTY(), "add", "dev"), exitError, "no terminal to type the key into; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and run 'kagi add dev --env'")

	ctx, tty := kpWithTTY("ASIAEXAMPLEEXAMPLE12\n")
	kpWantError(t, w, before, w.runCtx(ctx, "add", "dev"), exitError, "temporary key")
	if strings.Contains(tty.written(), "Secret access key") {
		t.Errorf("asked for the secret after a temporary key ID: %q", tty.written())
	}

	ctx, tty = kpWithTTY("") // Ctrl+D at the first question
	if r := w.runCtx(ctx, "add", "dev"); r.code != exitAbort || r.stdout != "" {
		t.Fatalf("add with EOF on the terminal: %+v", r)
	}

	ctx, tty = kpWithTTY(" " + w.seeded.AccessKeyID + " \r\n" + w.seeded.SecretAccessKey + "\n")
	r := w.runCtx(ctx, "add", "dev")
	if r.code != exitOK || r.stdout != "" || !strings.HasPrefix(r.stderr, "Added access key AKIA") {
		t.Fatalf("add from terminal: %+v", r)
	}
	out := tty.written()
	if !strings.Contains(out, "Access key ID: ") || !strings.Contains(out, "Secret access key: ") || strings.Contains(out, w.seeded.SecretAccessKey) || !tty.closed {
		t.Fatalf("terminal conversation %q (closed %v)", out, tty.closed)
	}
	if k, ok := w.storedKey("dev"); !ok || k.AccessKeyID != w.seeded.AccessKeyID || k.SecretAccessKey != w.seeded.SecretAccessKey {
		t.Fatalf("keyring holds %q", k.AccessKeyID)
	}
}

func TestKeysImport(t *testing.T) {
	w := kpSetup(t)
	credsBody := "# my keys\n[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = otherotherotherotherotherotherotherother\n\n" +
		"[dev]\n; the demo user\naws_access_key_id = " + w.seeded.AccessKeyID + "\naws_secret_access_key = " + w.seeded.SecretAccessKey + "\nregion = us-east-1\n"
	kpWrite(t, w.creds, credsBody)
	before := w.snapshot()
	kpWantError(t, w, before, w.run("import", "nope"), exitError, "profile \"nope\" is not in "+w.creds)

	r := w.run("import", "dev")
	if r.code != exitOK || r.stdout != "" || r.stderr != "Moved access key "+kpMask(w.seeded.AccessKeyID)+" of profile dev from "+w.creds+" to the keyring (file).\n" {
		t.Fatalf("import: %+v", r)
	}
	got, _ := os.ReadFile(w.creds)
	want := "# my keys\n[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = otherotherotherotherotherotherotherother\n\n" +
		"[dev]\n; the demo user\nregion = us-east-1\n"
	if string(got) != want {
		t.Fatalf("credentials file after import:\n%s\nwant:\n%s", got, want)
	}
	if _, err := os.Stat(w.creds + ".kagi-backup"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("import left a backup holding the plaintext key: %v", err)
	}
	if k, ok := w.storedKey("dev"); !ok || k.AccessKeyID != w.seeded.AccessKeyID || k.SecretAccessKey != w.seeded.SecretAccessKey {
		t.Fatalf("keyring after import: %q %v", k.AccessKeyID, ok)
	}

	r = w.run("credential-process", "admin", "--mfa-token", w.code())
	if r.code != exitOK || !strings.HasPrefix(r.stdout, `{"Version":1,"AccessKeyId":"ASIA`) || !strings.Contains(r.stdout, `"SessionToken":`) {
		t.Fatalf("credential-process after import: %+v", r)
	}

	// A different key for dev in the file: import refuses without --replace and changes nothing.
	other := "[dev]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = otherotherotherotherotherotherotherother\n"
	kpWrite(t, w.creds, other)
	before = w.snapshot()
	if before.entries == 0 {
		t.Fatal("no cached sessions after credential-process")
	}
	kpWantError(t, w, before, w.run("import", "dev"), exitError, "already holds a different access key ("+w.seeded.AccessKeyID[:4]+"…")
	if r := w.run("import", "dev", "--replace"); r.code != exitOK || !strings.Contains(r.stderr, "Removed 2 cached sessions made with the replaced key") {
		t.Fatalf("import --replace: %+v", r)
	}
	if k, _ := w.storedKey("dev"); k.AccessKeyID != "AKIAOTHEROTHEROTHER1" {
		t.Fatalf("keyring after import --replace: %q", k.AccessKeyID)
	}
	if got, _ := os.ReadFile(w.creds); len(got) != 0 {
		t.Fatalf("credentials file after the last import: %q", got)
	}

	// Temporary credentials are not imported.
	kpWrite(t, w.creds, "[tmp]\naws_access_key_id = ASIAEXAMPLEEXAMPLE12\naws_secret_access_key = x\naws_session_token = y\n")
	kpWantError(t, w, w.snapshot(), w.run("import", "tmp"), exitError, "holds temporary credentials")
}

func TestKeysRemove(t *testing.T) {
	w := kpSetup(t)
	before := w.snapshot()
	kpWantError(t, w, before, w.run("remove", "dev", "--yes"), exitError, "profile dev has no key in the keyring")
	w.addDev()
	if r := w.run("assume", "admin", "--mfa-token", w.code()); r.code != exitOK {
		t.Fatalf("assume: %+v", r)
	}
	before = w.snapshot()
	kpWantError(t, w, before, w.runCtx(kpNoTTY(), "remove", "dev"), exitError, "no terminal to confirm on; run 'kagi remove dev --yes'")
	ctx, tty := kpWithTTY("n\n")
	kpWantError(t, w, before, w.runCtx(ctx, "remove", "dev"), exitError, "kept the access key of profile dev")
	id := w.seeded.AccessKeyID
	if want := "Remove the access key " + kpMask(id) + " of profile dev from the keyring? [y/N] "; tty.written() != want {
		t.Fatalf("question %q, want %q", tty.written(), want)
	}

	ctx, _ = kpWithTTY("y\n")
	r := w.runCtx(ctx, "remove", "dev")
	if r.code != exitOK || r.stdout != "" || !strings.Contains(r.stderr, "Removed the access key AKIA") || !strings.Contains(r.stderr, "and 2 cached sessions") {
		t.Fatalf("remove: %+v", r)
	}
	if after := w.snapshot(); after.hasKey || after.entries != 0 || after.config != before.config {
		t.Fatalf("after remove: %+v", after)
	}

	w.addDev()
	if r := w.run("remove", "dev", "--yes"); r.code != exitOK || !strings.Contains(r.stderr, "and 0 cached sessions") {
		t.Fatalf("remove --yes: %+v", r)
	}
	if _, ok := w.storedKey("dev"); ok {
		t.Fatal("key still in the keyring")
	}
}

func TestKeysAddInterruptedAndMalformedConfig(t *testing.T) {
	w := kpSetup(t)
	before := w.snapshot()
	pr, pw := io.Pipe()
	tty := &kpTTY{in: pr}
	ctx, cancel := context.WithCancel(withTTY(context.Background(), func() (io.ReadWriteCloser, error) { return tty, nil }))
	go func() {
		_, _ = io.WriteString(pw, w.seeded.AccessKeyID+"\n") // then nothing: the user presses Ctrl+C at the secret
		time.Sleep(100 * time.Millisecond)
		cancel()
	}()
	if r := w.runCtx(ctx, "add", "dev"); r.code != exitAbort || r.stdout != "" || r.stderr != "kagi: aborted.\n" {
		t.Fatalf("add interrupted: %+v", r)
	}
	_ = pw.Close()
	if after := w.snapshot(); after != before {
		t.Fatalf("interrupted add changed state: %+v", after)
	}

	// A config file kagi cannot parse does not stop a key from being stored; kagi says why it ignored it.
	kpWrite(t, w.config, "[profile dev\n")
	r := w.run("add", "dev", "--env")
	if r.code != exitOK || !strings.Contains(r.stderr, "Added access key") || !strings.Contains(r.stderr, "Note: "+w.config+" is not a valid AWS config file") {
		t.Fatalf("add with a malformed config: %+v", r)
	}
	if r := w.run("remove", "dev", "--yes"); r.code != exitOK {
		t.Fatalf("remove with a malformed config: %+v", r)
	}
}
