//go:build linux

package main_test

// Catalogue rows at the prompts, on a real pseudo-terminal: Ctrl+C (and Ctrl+D, Esc) at each question kagi
// asks, and bad answers typed there. An interrupted prompt exits 130 with "kagi: aborted." and changes
// nothing.

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func eePromptRows() []eeBadCase {
	ctrlCAt := func(prompt string) []eeTTYStep { return []eeTTYStep{{expect: prompt, send: eeCtrlC}} }
	return []eeBadCase{
		{name: "CtrlCAtMFAPrompt", config: eeNoMFAProcessConfig, code: 130, tty: ctrlCAt("MFA code for {admin}")},
		{name: "CtrlDAtMFAPrompt", config: eeNoMFAProcessConfig, args: []string{"export", "{admin}"}, code: 130,
			tty: []eeTTYStep{{expect: "MFA code for {admin}", send: "\x04"}}},
		{name: "EscAtMFAPrompt", config: eeNoMFAProcessConfig, args: []string{"exec", "{admin}", "--", "true"}, code: 130,
			tty: []eeTTYStep{{expect: "MFA code for {admin}", send: "\x1b\n"}}},
		{name: "MalformedCodesAtMFAPrompt", config: eeNoMFAProcessConfig, args: []string{"assume", "{admin}"}, tty: []eeTTYStep{
			{expect: "MFA code for {admin}", send: "１２３４５６\n"},
			{expect: "try again", send: "12 34 5x\n"},
			{expect: "try again", send: strings.Repeat("9", 1000) + "\n"},
		}, want: []string{"no valid MFA code after 3 tries", "6 digits"}},
		{name: "RejectedCodesAtMFAPrompt", config: eeNoMFAProcessConfig, args: []string{"assume", "{admin}"}, before: eeSetWrongCodes, tty: []eeTTYStep{
			{expect: "MFA code for {admin}", send: "{wrongcode1}\n"},
			{expect: "MFA code for {admin}", send: "{wrongcode2}\n"},
			{expect: "MFA code for {admin}", send: "{wrongcode3}\n"},
		}, want: []string{"MFA code was not accepted", "authenticator's clock"}},
		{name: "CtrlCAtAddKeyID", args: []string{"add", "{new}"}, before: eeNewProfile, code: 130, tty: ctrlCAt("Access key ID: ")},
		{name: "CtrlCAtAddSecret", args: []string{"add", "{new}"}, before: eeNewProfile, code: 130, tty: []eeTTYStep{
			{expect: "Access key ID: ", send: "AKIAIOSFODNN7EXAMPLE\n"},
			{expect: "Secret access key: ", send: eeCtrlC},
		}},
		{name: "CtrlCAtRemoveConfirm", args: []string{"remove", "{dev}"}, code: 130, tty: ctrlCAt("[y/N] ")},
		{name: "RemoveNotConfirmed", args: []string{"remove", "{dev}"}, tty: []eeTTYStep{{expect: "[y/N] ", send: "no way\n"}},
			want: []string{"kept the access key", "answer y"}},
		{name: "CtrlCAtKeysDeleteConfirm", ownServer: true, args: []string{"keys", "delete", "{storedkey}", "--force", "--profile", "{dev}"},
			before: eeSetStoredKey, code: 130, tty: ctrlCAt("[y/N] ")},
		{name: "CtrlCAtPasswordPrompt", ownServer: true, args: []string{"password", "--profile", "{dev}"}, code: 130, tty: ctrlCAt("Current password: ")},
		{name: "CtrlCAtResyncCode", args: []string{"mfa", "resync", "--profile", "{dev}"}, code: 130, tty: ctrlCAt("Code 1 ")},
		{name: "CtrlCAtMFARemoveConfirm", args: []string{"mfa", "remove", "--profile", "{dev}"}, code: 130, tty: ctrlCAt("[y/N] ")},
		{name: "CtrlCAtSetupPrompt", args: []string{"setup", "ops-{admin}"}, code: 130, tty: ctrlCAt("Source profile")},
		{name: "CtrlCAtSetupConfirm", args: []string{"setup", "ops-{admin}", "--source", "{dev}", eeRoleARNFlag}, code: 130, progress: true,
			tty: ctrlCAt("[y/N] ")},
		{name: "CtrlCAtGitCredentialsDeleteConfirm", args: []string{"git-credentials", "delete", "ACCAEEUNKNOWN0000000", "--profile", "{dev}"},
			code: 130, tty: ctrlCAt("[y/N] ")},
	}
}

// eeNewProfile names a profile the row may add a key to (registered for the world's cleanup and state).
func eeNewProfile(t *testing.T, r *eeBadRun) {
	r.vars["{new}"] = r.w.name(r.w.dev + "-new")
}

// eeSetWrongCodes: three different codes, none of which the endpoint accepts now or in the next minute.
func eeSetWrongCodes(t *testing.T, r *eeBadRun) {
	now := time.Now()
	var valid []string
	for d := -30 * time.Second; d <= 90*time.Second; d += 30 * time.Second {
		valid = append(valid, r.w.s.totp(t, r.w.info.MFASecret, now.Add(d)))
	}
	n := 1
	for _, c := range []string{"000000", "111111", "222222", "333333", "444444", "555555"} {
		if n <= 3 && !slices.Contains(valid, c) {
			r.vars["{wrongcode"+string(rune('0'+n))+"}"] = c
			n++
		}
	}
}
