//go:build linux

package main_test

// Bad input and failures end to end: every case exits 1 (2 for usage), prints nothing on stdout and one
// sentence on stderr, and loses nothing: the config and credentials files keep their bytes and the keyring
// keeps its keys.

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// eeBadCase is one bad-input case.
type eeBadCase struct {
	name   string
	config string // config template; "" = eeStdConfig
	key    string // where the source profile's long-term key is: "keyring" (default), "file", "bogus" (a key AWS does not know), "none"
	env    []string
	// args after the binary; nil = credential-process {admin}. Run as `kagi ARGS`, and as
	// `kagi-credential-process ARGS[1:]` too when ARGS starts with credential-process, unless once is set:
	// for cases that send a code from mfa_process, as kagi never sends a code again within 90 s and a second
	// run would wait for the next one.
	args      []string
	once      bool
	ownServer bool                                    // spends an MFA code: needs an MFA device of its own
	before    func(t *testing.T, w *eeWorld) []string // runs first; may return extra environment for the case
	code      int                                     // 1 unless set
	want      []string                                // substrings of the stderr line
}

const eeNoMFAProcessConfig = `[profile {dev}]
mfa_serial = {serial}

[profile {admin}]
source_profile = {dev}
role_arn = {adminARN}
`

func eeBadInput(t *testing.T, s *eeSuite) {
	s.need(t, "keyctl")
	shared := s.serve(t) // for cases that spend no MFA code
	scripts := map[string]string{
		"fail.sh": "#!/bin/sh\necho 'junk 12 from a broken token tool'\nexit 3\n",
		"junk.sh": "#!/bin/sh\necho 'no code here'\n",
	}
	cases := []eeBadCase{
		{name: "UnknownProfile", args: []string{"credential-process", "nope-{admin}"}, want: []string{`"nope-`, "is not in", "kagi list"}},
		{name: "CyclicSourceProfile", config: eeStdConfig + `
[profile a-{admin}]
source_profile = b-{admin}
role_arn = {adminARN}

[profile b-{admin}]
source_profile = a-{admin}
role_arn = {adminARN}
`, args: []string{"credential-process", "a-{admin}"}, want: []string{"cycle"}},
		{name: "MalformedConfig", config: "[profile {dev}\nmfa_serial = {serial}\n", want: []string{"not a valid AWS config file"}},
		{name: "MissingKey", key: "none", want: []string{"no access key", "kagi add {dev}"}},
		{name: "WrongMFACode", args: []string{"credential-process", "--mfa-token", "{wrongcode}", "{admin}"}, want: []string{"MFA"}},
		{name: "UsedMFACodeKagiRemembers", ownServer: true, once: true, args: []string{"credential-process", "--mfa-token", "{code}", "{admin}"},
			before: eeSpendCode(false), want: []string{"--mfa-token", "already used"}},
		{name: "UsedMFACodeAWSRejects", ownServer: true, once: true, args: []string{"credential-process", "--mfa-token", "{code}", "{admin}"},
			before: eeSpendCode(true), want: []string{"--mfa-token", "already been used"}},
		{name: "MFAProcessFails", config: strings.Replace(eeStdConfig, "{mfa}", "{root}/fail.sh", 1), want: []string{"mfa_process", "status 3"}},
		{name: "MFAProcessPrintsJunk", config: strings.Replace(eeStdConfig, "{mfa}", "{root}/junk.sh", 1), want: []string{"mfa_process", "instead of a 6-digit code"}},
		{name: "NoTerminalNoGUINoMFAProcess", config: eeNoMFAProcessConfig, env: []string{"DISPLAY", "WAYLAND_DISPLAY"}, want: []string{"kagi assume {admin}", "mfa_process"}},
		{name: "KeyringUnavailable", key: "file", env: []string{"KAGI_KEYRING_BACKEND=secret-service", "DBUS_SESSION_BUS_ADDRESS"}, want: []string{"ecret-service keyring", "D-Bus", "KAGI_KEYRING_BACKEND"}},
		{name: "EndpointUnreachable", once: true, env: []string{"AWS_ENDPOINT_URL=http://127.0.0.1:1"}, want: []string{"Could not reach the AWS endpoint"}},
		{name: "UnknownAccessKey", key: "bogus", once: true, want: []string{"did not accept your credentials"}},
		{name: "DurationAboveRoleMaximum", ownServer: true, config: strings.Replace(eeStdConfig, "role_arn = {adminARN}\n", "role_arn = {adminARN}\nduration_seconds = 43200\n", 1),
			want: []string{"43200-second session is longer than the role allows", "duration_seconds"}},
		{name: "UsageBadMFATokenFlag", args: []string{"credential-process", "--mfa-token", "12345", "{admin}"}, code: 2, want: []string{"--mfa-token"}},
		{name: "UsageExportFormat", args: []string{"export", "{admin}", "--format", "yaml"}, code: 2, want: []string{`"yaml"`}},
		{name: "UsageExecCommandBeforeDash", args: []string{"exec", "{admin}", "true"}, code: 2, want: []string{"after --"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			info := shared
			if c.ownServer {
				info = s.serve(t)
			}
			w := s.world(t, info, "keyctl")
			for name, body := range scripts {
				if err := os.WriteFile(filepath.Join(w.root, name), []byte(body), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			w.writeConfig(eeStdConfig) // kagi add needs a config it can read
			switch c.key {
			case "", "keyring":
				w.putKey()
			case "file":
				w.writeCreds()
			case "bogus":
				body := "[" + w.dev + "]\naws_access_key_id = AKIAEEUNKNOWNKEY0000\naws_secret_access_key = " + strings.Repeat("x", 40) + "\n"
				if err := os.WriteFile(w.creds, []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if c.config != "" {
				w.writeConfig(c.config)
			}
			var env []string
			if c.before != nil {
				env = c.before(t, w)
			}
			env = append(env, c.env...)
			files := map[string][]byte{}
			for _, p := range []string{w.config, w.creds} {
				files[p], _ = os.ReadFile(p)
			}
			keysBefore := w.keyProfiles()

			args := c.args
			if args == nil {
				args = []string{"credential-process", "{admin}"}
			}
			wrong := ""
			if slices.Contains(args, "{wrongcode}") {
				wrong = eeWrongCode(t, s, info)
			}
			expand := func(ss []string) []string {
				out := make([]string, len(ss))
				for i, a := range ss {
					out[i] = strings.NewReplacer("{wrongcode}", wrong, "{code}", w.spent).Replace(w.expand(a))
				}
				return out
			}
			runs := [][]string{append([]string{"kagi"}, expand(args)...)}
			if !c.once && args[0] == "credential-process" {
				runs = append(runs, append([]string{"kagi-credential-process"}, expand(args[1:])...))
			}
			code := c.code
			if code == 0 {
				code = 1
			}
			for _, argv := range runs {
				r := w.run(env, argv[0], argv[1:]...)
				line := eeOneLine(t, r, code)
				for _, want := range expand(c.want) {
					if !strings.Contains(line, want) {
						t.Errorf("%s: %q does not say %q", strings.Join(argv, " "), line, want)
					}
				}
				t.Logf("%s (%v): %s", strings.Join(argv, " "), r.elapsed.Round(time.Millisecond), line)
			}

			for p, data := range files {
				if now, _ := os.ReadFile(p); !bytes.Equal(now, data) {
					t.Errorf("%s changed:\nbefore %q\nafter  %q", p, data, now)
				}
			}
			if keys := w.keyProfiles(); !slices.Equal(keys, keysBefore) {
				t.Errorf("profiles with a key in the keyring: %v before, %v after", keysBefore, keys)
			}
			if (c.key == "" || c.key == "keyring") && !slices.Contains(keysBefore, w.dev) {
				t.Errorf("profiles with a key in the keyring: %v, want %s", keysBefore, w.dev)
			}
		})
	}
}

// eeSpendCode returns a before-hook that signs in once with --mfa-token (the current code), then clears the
// cached sessions; with freshState, the case then runs with a new state directory, so that kagi does not
// know the code was used and the endpoint has to reject it.
func eeSpendCode(freshState bool) func(t *testing.T, w *eeWorld) []string {
	return func(t *testing.T, w *eeWorld) []string {
		w.spent = w.s.totp(t, w.info.MFASecret, time.Now())
		w.credentials(nil, "kagi", "credential-process", "--mfa-token", w.spent, w.admin)
		w.clearSessions()
		if freshState {
			return []string{"KAGI_STATE_DIR=" + filepath.Join(w.home, "state2")}
		}
		return nil
	}
}

// eeWrongCode is a 6-digit code that is none of the codes the endpoint accepts now.
func eeWrongCode(t *testing.T, s *eeSuite, info *eeServeInfo) string {
	now := time.Now()
	valid := []string{s.totp(t, info.MFASecret, now.Add(-30*time.Second)), s.totp(t, info.MFASecret, now), s.totp(t, info.MFASecret, now.Add(30*time.Second))}
	for _, c := range []string{"000000", "999999", "123456"} {
		if !slices.Contains(valid, c) {
			return c
		}
	}
	t.Fatal("no wrong code")
	return ""
}
