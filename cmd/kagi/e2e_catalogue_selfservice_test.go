//go:build linux

package main_test

// Catalogue rows for the key commands (add, remove, import, list, clear), the self-service commands (mfa,
// password, keys, git-credentials), doctor, policy and setup.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const eeRoleARNFlag = "--role-arn=arn:aws:iam::000000000000:role/iam-role-admin"

func eeKeyRows() []eeBadCase {
	return []eeBadCase{
		{name: "AddNoTerminal", args: []string{"add", "{dev}-new"}, stdin: "AKIAIOSFODNN7EXAMPLE\n",
			want: []string{"no terminal to type the key into", "kagi add {dev}-new --env"}},
		{name: "AddKeyAlreadyStored", args: []string{"add", "{dev}", "--env"},
			env:  []string{"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=" + strings.Repeat("s", 40)},
			want: []string{"already has an access key", "--replace", "kagi remove {dev}"}},
		{name: "AddUnicodeKeyID", args: []string{"add", "{dev}", "--env", "--replace"},
			env:  []string{"AWS_ACCESS_KEY_ID=ＡＫＩＡＩＯＳＦＯＤＮＮ７ＥＸＡＭＰＬＥ", "AWS_SECRET_ACCESS_KEY=" + strings.Repeat("s", 40)},
			want: []string{"access key ID", "starting with AKIA", "check what you entered"}},
		{name: "AddShortSecret", args: []string{"add", "{dev}", "--env", "--replace"},
			env:  []string{"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=short"},
			want: []string{"secret access key", "enter the whole secret"}},
		{name: "AddControlCharsInProfile", args: []string{"add", "{dev}\x1b[2J", "--env"}, code: 2, want: []string{"control characters"}},
		{name: "AddVeryLongProfileName", args: []string{"add", "{long}", "--env"},
			env:  []string{"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=" + strings.Repeat("s", 40)},
			code: 2, want: []string{"20000 characters long", "at most 128"}},
		{name: "RoleProfileGetsNoKey", args: []string{"add", "{admin}", "--env"},
			env:  []string{"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=" + strings.Repeat("s", 40)},
			want: []string{"role profile", "kagi add {dev}"}},
		{name: "RemoveNoKey", args: []string{"remove", "{dev}-none", "--yes"}, want: []string{"has no key in the keyring", "kagi list"}},
		{name: "RemoveNoTerminal", args: []string{"remove", "{dev}"}, stdin: "y\n", want: []string{"no terminal to confirm on", "kagi remove {dev} --yes"}},
		{name: "ImportNothing", args: []string{"import", "{dev}"}, want: []string{"nothing to import", "kagi add {dev}"}},
		{name: "ImportIntoVolatileKeyctl", args: []string{"import", "{dev}"}, key: "file", want: []string{"at every reboot", "--volatile"}},
		{name: "ListExtraArgument", args: []string{"list", "{dev}"}, code: 2, want: []string{`"{dev}"`, "kagi list"}},
		{name: "ClearControlChars", args: []string{"clear", "{admin}\a"}, code: 2, want: []string{"control characters"}},
	}
}

func eeSelfServiceRows() []eeBadCase {
	return []eeBadCase{
		{name: "MFARegisterAlreadyEnrolled", args: []string{"mfa", "register", "--profile", "{dev}"}, want: []string{"already has MFA device", "kagi mfa remove"}},
		{name: "MFARegisterUnicodeDeviceName", args: []string{"mfa", "register", "--profile", "{dev}", "--device-name", "電話📱"}, code: 2,
			want: []string{"--device-name", "letters, digits"}},
		{name: "MFAResyncWrongCodes", args: []string{"mfa", "resync", "--profile", "{dev}", "--code1", "000000", "--code2", "000001"},
			want: []string{"did not accept the two codes", "consecutive codes"}},
		{name: "MFARemoveNoTerminal", args: []string{"mfa", "remove", "--profile", "{dev}"}, want: []string{"no terminal to confirm on", "kagi mfa remove --yes"}},
		{name: "PasswordNoTerminal", args: []string{"password", "--profile", "{dev}"}, stdin: "old\nnew\nnew\n", want: []string{"no terminal", "in a terminal"}},
		{name: "PasswordWrongOld", ownServer: true, args: []string{"password", "--profile", "{dev}"}, tty: []eeTTYStep{
			{expect: "Current password: ", send: "not-the-password-1A!\n"},
			{expect: "New password: ", send: "Brand-new-passw0rd!x\n"},
			{expect: "Repeat the new password: ", send: "Brand-new-passw0rd!x\n"},
		}, want: []string{"current password is wrong", "console"}},
		{name: "PasswordPolicyViolation", ownServer: true, args: []string{"password", "--profile", "{dev}"}, tty: []eeTTYStep{
			{expect: "Current password: ", send: "whatever-it-is\n"},
			{expect: "New password: ", send: "short\n"},
			{expect: "New password: ", send: "ｐａｓｓｗｏｒｄ\n"},
			{expect: "New password: ", send: strings.Repeat("a", 1000) + "\n"},
		}, want: []string{"no acceptable new password after 3 tries", "unchanged"}},
		{name: "KeysRotateTwoKeyLimit", ownServer: true, args: []string{"keys", "rotate", "--profile", "{dev}"},
			before: func(t *testing.T, r *eeBadRun) { r.kagi(t, "keys", "rotate", "--profile", "{dev}") }, // leaves the old key inactive
			want:   []string{"already has 2 access keys", "kagi keys delete", "--delete-inactive"}},
		{name: "KeysDeleteDeletedKey", ownServer: true, args: []string{"keys", "delete", "AKIAEEDELETEDKEY0000", "--yes", "--profile", "{dev}"},
			want: []string{`no access key "AKIAEEDELETEDKEY0000"`, "deleted already", "kagi keys list"}},
		{name: "KeysListExpiredSession", ownServer: true, config: eeDemoCodeConfig, args: []string{"keys", "list", "--profile", "{dev}"}, dropsSession: true,
			before: func(t *testing.T, r *eeBadRun) {
				r.kagi(t, "keys", "list", "--profile", "{dev}")
				r.w.advanceClock(13 * time.Hour)
			},
			want:  []string{"expired", "clock", "run the command again"},
			after: func(t *testing.T, r *eeBadRun, _ eeResult) { r.kagi(t, "keys", "list", "--profile", "{dev}") }},
		{name: "KeysDeactivateStoredKey", ownServer: true, args: []string{"keys", "deactivate", "{storedkey}", "--profile", "{dev}"},
			before: eeSetStoredKey, want: []string{"is the key kagi uses", "kagi keys rotate", "--force"}},
		{name: "KeysRotateInterrupted", ownServer: true, args: []string{"keys", "rotate", "--profile", "{dev}"}, progress: true,
			before: func(t *testing.T, r *eeBadRun) {
				eeSetStoredKey(t, r)
				// CreateAccessKey works, the new key is stored in the pending slot, then AWS refuses to confirm it.
				r.w.fault("GetCallerIdentity", eeFault{Code: "AccessDenied", Status: 403})
			},
			want:  []string{"paused after step stored", "access was denied", "kagi keys rotate --profile {dev}' again"},
			after: eeRotationResumes},
		{name: "KeysRotateCtrlCWhileWaiting", ownServer: true, args: []string{"keys", "rotate", "--profile", "{dev}"}, code: 130, progress: true,
			before: func(t *testing.T, r *eeBadRun) {
				eeSetStoredKey(t, r)
				r.w.fault("GetCallerIdentity", eeFault{Latency: "50s", Times: 1})
			},
			tty:   []eeTTYStep{{call: "GetCallerIdentity", send: eeCtrlC}},
			after: eeRotationResumes},
		{name: "GitCredentialsBadID", args: []string{"git-credentials", "delete", "ACCA EVIL/../x", "--yes"}, code: 2,
			want: []string{"is not a Git credential ID", "kagi git-credentials list"}},
		{name: "GitCredentialsVeryLongID", args: []string{"git-credentials", "delete", "ACCA {long}", "--yes"}, code: 2,
			want: []string{"is not a Git credential ID", "characters)", "kagi git-credentials list"}},
		{name: "GitCredentialsResetUnknown", ownServer: true, args: []string{"git-credentials", "reset", "ACCAEEUNKNOWN0000000", "--profile", "{dev}"},
			want: []string{"does not exist", "already have been deleted"}},
		{name: "GitCredentialsDeleteNoTerminal", args: []string{"git-credentials", "delete", "ACCAEEUNKNOWN0000000", "--profile", "{dev}"},
			want: []string{"no terminal to confirm on", "--yes"}},
		{name: "DoctorUnknownProfile", args: []string{"doctor", "nope-{dev}"}, stdout: true,
			want: []string{"1 check failed", "see the fixes above"},
			after: func(t *testing.T, r *eeBadRun, res eeResult) {
				if !strings.Contains(res.stdout, "✗ AWS credentials") || !strings.Contains(res.stdout, "kagi list") {
					t.Errorf("doctor's checklist does not show the failed check with its fix:\n%s", res.stdout)
				}
			}},
		{name: "UsageDoctorAbsurdWindow", args: []string{"doctor", "{dev}", "--window", "13h"}, code: 2, want: []string{"--window", "between 0 and 12h"}},
		{name: "PolicyCheckMalformedFile", args: []string{"policy", "check", "{root}/bad.json"}, code: 2,
			before: eeWriteFile("bad.json", "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", "),
			want:   []string{"is not a valid IAM policy"}},
		{name: "PolicyCheckMissingFile", args: []string{"policy", "check", "{root}/missing.json"}, code: 2, want: []string{"cannot read policy file", "no such file"}},
		{name: "PolicyRoleTrustUnicodeAccount", args: []string{"policy", "role-trust", "--account", "１２３４５６７８９０１２"}, code: 2,
			want: []string{"--account", "12-digit account ID"}},
		{name: "SetupNoTerminal", args: []string{"setup", "ops-{admin}"}, code: 2, stdin: "{dev}\n", want: []string{"--source and --role-arn are required"}},
		{name: "SetupBadRoleARN", args: []string{"setup", "ops-{admin}", "--source", "{dev}", "--role-arn", "arn:aws:iam::０００:role/x", "--yes"}, code: 2,
			want: []string{"--role-arn", "is not a role ARN"}},
		{name: "SetupNoTerminalToConfirm", args: []string{"setup", "ops-{admin}", "--source", "{dev}", eeRoleARNFlag}, progress: true,
			stdin: "y\n", want: []string{"no terminal to confirm on", "--yes", "--dry-run"}},
	}
}

// eeSetStoredKey names the key the world stores for its source profile (the demo user's).
func eeSetStoredKey(t *testing.T, r *eeBadRun) {
	r.vars["{storedkey}"] = r.w.info.AccessKeyID
}

// eeWriteFile returns a before-hook that writes a file into the world's root.
func eeWriteFile(name, body string) func(t *testing.T, r *eeBadRun) {
	return func(t *testing.T, r *eeBadRun) {
		if err := os.WriteFile(filepath.Join(r.w.root, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// eeRotationResumes checks the journal's promise after an interrupted rotation: the next 'kagi keys rotate'
// finishes it, and the profile ends with one working stored key, the new one, next to the old, inactive key.
func eeRotationResumes(t *testing.T, r *eeBadRun, _ eeResult) {
	r.w.clearFaults()
	res := r.kagi(t, "keys", "rotate", "--profile", "{dev}")
	if !strings.Contains(res.stderr, "Resuming the interrupted rotation") {
		t.Errorf("the second rotation did not resume the first:\n%s", res)
	}
	st := r.w.belongings()
	newID := st.keys[r.w.dev]
	if newID == "" || newID == r.w.info.AccessKeyID {
		t.Fatalf("stored key after the resumed rotation: %q, want a new one (old %s)", newID, r.w.info.AccessKeyID)
	}
	out, err := r.w.catHelper("whoami", r.w.dev)
	if err != nil || !strings.Contains(out, ":user/"+r.w.info.UserName) {
		t.Errorf("the stored key does not work: %v\n%s", err, out)
	}
	list := r.kagi(t, "keys", "list", "--json", "--profile", "{dev}")
	var doc struct {
		Keys []keyListJSON `json:"keys"`
	}
	if err := json.Unmarshal([]byte(list.stdout), &doc); err != nil {
		t.Fatalf("keys list --json: %v\n%s", err, list.stdout)
	}
	got := map[string]string{}
	for _, k := range doc.Keys {
		got[k.ID] = k.Status
		if k.Kagi != (k.ID == newID) {
			t.Errorf("keys list marks %s as kagi's: %v, want only %s", k.ID, k.Kagi, newID)
		}
	}
	if len(got) != 2 || got[newID] != "Active" || got[r.w.info.AccessKeyID] != "Inactive" {
		t.Errorf("keys after the rotation: %v, want %s Active and %s Inactive", got, newID, r.w.info.AccessKeyID)
	}
}

// keyListJSON is one key of 'kagi keys list --json'.
type keyListJSON struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Kagi   bool   `json:"kagi"`
}
