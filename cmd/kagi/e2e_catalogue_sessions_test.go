//go:build linux

package main_test

// Catalogue rows for role sessions (credential-process, assume, exec, export, console): malformed and
// hostile config values, MFA codes that are wrong, used or expired, keyrings that cannot open, endpoints that
// are unreachable, slow, throttling or failing, an expired session, absurd durations, and Ctrl+C at the MFA
// prompt.

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// eeCatalogue is the whole table.
func eeCatalogue() []eeBadCase {
	return slices.Concat(eeSessionRows(), eeKeyRows(), eeSelfServiceRows(), eePromptRows())
}

const eeNoMFAProcessConfig = `[profile {dev}]
mfa_serial = {serial}

[profile {admin}]
source_profile = {dev}
role_arn = {adminARN}
`

// eeDemoCodeConfig reads codes from the demo's virtual authenticator, which follows the endpoint's clock.
var eeDemoCodeConfig = strings.Replace(eeStdConfig, "{mfa}", "{root}/democode.sh", 1)

// eeWithLine adds line to the section of eeStdConfig that holds after.
func eeWithLine(after, line string) string {
	return strings.Replace(eeStdConfig, after, after+line+"\n", 1)
}

func eeSessionRows() []eeBadCase {
	return []eeBadCase{
		// Config: malformed, hostile and absurd values.
		{name: "UnknownProfile", args: []string{"credential-process", "nope-{admin}"}, want: []string{`"nope-`, "is not in", "kagi list"}},
		{name: "CyclicSourceProfile", config: eeStdConfig + `
[profile a-{admin}]
source_profile = b-{admin}
role_arn = {adminARN}

[profile b-{admin}]
source_profile = a-{admin}
role_arn = {adminARN}
`, args: []string{"credential-process", "a-{admin}"}, want: []string{"cycle", "point one of them"}},
		{name: "MalformedConfig", config: "[profile {dev}\nmfa_serial = {serial}\n", want: []string{"not a valid AWS config file", "unclosed section"}},
		{name: "HostileMFASerial", config: strings.Replace(eeStdConfig, "mfa_serial = {serial}", "mfa_serial = arn:aws:iam::000000000000:mfa/\x1b]0;owned\x07\x1b[2J", 1),
			want: []string{"mfa_serial", "is not an MFA device ARN", "arn:aws:iam::ACCOUNT_ID:mfa/NAME"}},
		{name: "AbsurdDurationSecondsInConfig", config: eeWithLine("role_arn = {adminARN}\n", "duration_seconds = 99999999999"),
			want: []string{`duration_seconds "99999999999"`, "between 900 and 43200"}},
		{name: "MalformedSessionDurationInConfig", config: eeWithLine("mfa_process = {mfa}\n", "kagi_session_duration = 9999h"),
			want: []string{"kagi_session_duration", "between 15m and 36h"}},
		{name: "DurationAboveRoleMaximum", ownServer: true, config: eeWithLine("role_arn = {adminARN}\n", "duration_seconds = 43200"),
			want: []string{"43200-second session is longer than the role allows", "duration_seconds"}},
		{name: "UnicodeProfileName", args: []string{"assume", "管理者-{admin}"}, want: []string{`"管理者-`, "is not in", "kagi list"}},
		{name: "VeryLongProfileName", args: []string{"credential-process", "{long}"}, want: []string{"is not in", "kagi list"}},

		// Keys and keyrings.
		{name: "MissingKey", key: "none", want: []string{"no access key", "kagi add {dev}"}},
		{name: "UnknownAccessKey", key: "bogus", once: true, want: []string{"did not accept your credentials"}},
		{name: "KeyringUnavailable", key: "file", env: []string{"KAGI_KEYRING_BACKEND=secret-service", "DBUS_SESSION_BUS_ADDRESS"},
			want: []string{"ecret-service keyring", "D-Bus", "KAGI_KEYRING_BACKEND"}},
		{name: "UnknownKeyringBackend", env: []string{"KAGI_KEYRING_BACKEND=vault9000"}, args: []string{"export", "{admin}"},
			want: []string{`"vault9000"`, "use one of", "keyctl"}},
		{name: "FileKeyringWrongPassphrase", backend: "file", env: []string{"KAGI_FILE_PASSPHRASE=not the passphrase"}, args: []string{"exec", "{admin}", "--", "true"},
			want: []string{"wrong passphrase", "KAGI_FILE_PASSPHRASE"}},

		// MFA codes.
		{name: "WrongMFACode", before: eeSetWrongCode, args: []string{"credential-process", "--mfa-token", "{wrongcode}", "{admin}"}, want: []string{"MFA"}},
		{name: "ExpiredMFACode", once: true, before: eeSetExpiredCode, args: []string{"assume", "--mfa-token", "{expiredcode}", "{admin}"},
			want: []string{"--mfa-token code was rejected", "authenticator's clock"}},
		{name: "UsedMFACodeKagiRemembers", ownServer: true, once: true, args: []string{"credential-process", "--mfa-token", "{code}", "{admin}"},
			before: eeSpendCode(false), want: []string{"--mfa-token", "already used"}},
		{name: "UsedMFACodeAWSRejects", ownServer: true, once: true, args: []string{"credential-process", "--mfa-token", "{code}", "{admin}"},
			before: eeSpendCode(true), want: []string{"--mfa-token", "already been used"}},
		{name: "MFAProcessFails", config: strings.Replace(eeStdConfig, "{mfa}", "{root}/fail.sh", 1), want: []string{"mfa_process", "status 3"}},
		{name: "MFAProcessPrintsJunk", config: strings.Replace(eeStdConfig, "{mfa}", "{root}/junk.sh", 1), want: []string{"mfa_process", "instead of a 6-digit code"}},
		{name: "NoTerminalNoGUINoMFAProcess", config: eeNoMFAProcessConfig, env: []string{"DISPLAY", "WAYLAND_DISPLAY"}, stdin: "123456\n",
			want: []string{"kagi assume {admin}", "mfa_process"}},

		// The endpoint.
		{name: "EndpointUnreachable", once: true, env: []string{"AWS_ENDPOINT_URL=http://127.0.0.1:1"}, want: []string{"Could not reach the AWS endpoint"}},
		{name: "EndpointThrottling", ownServer: true, once: true, args: []string{"assume", "{admin}"},
			before: func(t *testing.T, r *eeBadRun) { r.w.fault("GetSessionToken", eeFault{Code: "Throttling"}) },
			want:   []string{"throttling", "try again"}},
		{name: "EndpointFailing", ownServer: true, once: true, args: []string{"export", "{admin}"},
			before: func(t *testing.T, r *eeBadRun) { r.w.fault("AssumeRole", eeFault{Code: "ServiceUnavailable"}) },
			want:   []string{"internal error", "try again"}},
		{name: "EndpointSlowCtrlC", ownServer: true, args: []string{"credential-process", "{admin}"}, code: 130,
			before: func(t *testing.T, r *eeBadRun) { r.w.fault("GetSessionToken", eeFault{Latency: "50s"}) },
			tty:    []eeTTYStep{{call: "GetSessionToken", send: eeCtrlC}}},
		{name: "ExpiredSession", ownServer: true, once: true, config: eeDemoCodeConfig, args: []string{"assume", "{admin}"}, dropsSession: true,
			before: func(t *testing.T, r *eeBadRun) {
				r.kagi(t, "assume", "{admin}")
				r.kagi(t, "clear", "{admin}")
				r.w.advanceClock(13 * time.Hour) // the MFA session kagi cached is 12 h old for AWS now
			},
			want: []string{"expired", "clock", "again"},
			after: func(t *testing.T, r *eeBadRun, _ eeResult) {
				r.kagi(t, "assume", "{admin}") // the stale session is gone: a new one starts
			}},

		// Absurd durations and other usage errors.
		{name: "UsageBadMFATokenFlag", args: []string{"credential-process", "--mfa-token", "12345", "{admin}"}, code: 2, want: []string{"--mfa-token"}},
		{name: "UsageUnicodeDigitsMFAToken", args: []string{"assume", "{admin}", "--mfa-token", "١٢٣٤٥٦"}, code: 2, want: []string{"--mfa-token", "6-digit"}},
		{name: "UsageExportFormat", args: []string{"export", "{admin}", "--format", "yaml"}, code: 2, want: []string{`"yaml"`, "env, json, ini"}},
		{name: "UsageExportNegativeWindow", args: []string{"export", "{admin}", "--window", "-5m"}, code: 2, want: []string{"--window", "between 0 and 12h"}},
		{name: "UsageExecCommandBeforeDash", args: []string{"exec", "{admin}", "true"}, code: 2, want: []string{"after --"}},
		{name: "UsageExecAbsurdSessionDuration", args: []string{"exec", "{admin}", "--session-duration", "1000h", "--", "true"}, code: 2,
			want: []string{"--session-duration", "between 15m and 36h"}},
		{name: "UsageConsoleAbsurdDuration", args: []string{"console", "{admin}", "--print", "--duration", "13h"}, code: 2, want: []string{"--duration", "between 15m and 12h"}},
		{name: "ConsoleSourceProfile", args: []string{"console", "{dev}", "--print"}, want: []string{"needs a role profile", "role_arn"}},
	}
}

// eeSpendCode returns a before-hook that signs in once with --mfa-token (the current code), then clears the
// cached sessions; with freshState, the case then runs with a new state directory, so that kagi does not
// know the code was used and the endpoint has to reject it.
func eeSpendCode(freshState bool) func(t *testing.T, r *eeBadRun) {
	return func(t *testing.T, r *eeBadRun) {
		w := r.w
		w.spent = w.s.totp(t, w.info.MFASecret, time.Now())
		r.vars["{code}"] = w.spent
		w.credentials(nil, "kagi", "credential-process", "--mfa-token", w.spent, w.admin)
		w.clearSessions()
		if freshState {
			r.env = append(r.env, "KAGI_STATE_DIR="+w.home+"/state2")
		}
	}
}

func eeSetWrongCode(t *testing.T, r *eeBadRun) {
	r.vars["{wrongcode}"] = eeWrongCode(t, r.w.s, r.w.info)
}

// eeSetExpiredCode: the code of ten minutes ago, which is no longer within AWS's window (unless it happens to
// equal one of the codes valid now).
func eeSetExpiredCode(t *testing.T, r *eeBadRun) {
	now := time.Now()
	valid := []string{r.w.s.totp(t, r.w.info.MFASecret, now.Add(-30*time.Second)), r.w.s.totp(t, r.w.info.MFASecret, now), r.w.s.totp(t, r.w.info.MFASecret, now.Add(30*time.Second))}
	for ago := 10; ago < 20; ago++ {
		if c := r.w.s.totp(t, r.w.info.MFASecret, now.Add(-time.Duration(ago)*time.Minute)); !slices.Contains(valid, c) {
			r.vars["{expiredcode}"] = c
			return
		}
	}
	t.Fatal("no expired code")
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
