//go:build linux

package main_test

// What TestE2ETmux checks after the terminal part: the real AWS CLI's view of the account, the endpoint's
// call counters, and the secrets the endpoint issued.

import (
	"encoding/json"
	"path/filepath"
	"strings"
)

// confirmWithAWSCLI: the role through `kagi exec` and through credential_process, the user's keys and
// password through the MFA session, and the rotated key itself, each with the real AWS CLI.
func (e *tmuxE2E) confirmWithAWSCLI() {
	t := e.t
	url := e.info.EndpointURL
	cli := func(profile string, v any, args ...string) {
		t.Helper()
		argv := append([]string{e.aws, "--endpoint-url", url, "--output", "json"}, args...)
		name := e.aws
		if profile != "" {
			argv = append([]string{"exec", profile, "--"}, argv...)
			name = "kagi"
		} else {
			argv = argv[1:]
		}
		r := e.w.run(nil, name, argv...)
		if r.code != 0 {
			t.Fatalf("%s", r)
		}
		if v != nil {
			if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
				t.Fatalf("%s: output is not JSON: %v", r, err)
			}
		}
	}
	roleARN := "arn:aws:sts::" + e.info.AccountID + ":assumed-role/iam-role-admin/"
	var id struct{ Arn, Account string }
	cli(e.w.admin, &id, "sts", "get-caller-identity")
	if !strings.HasPrefix(id.Arn, roleARN) || id.Account != e.info.AccountID {
		t.Fatalf("kagi exec %s -- aws sts get-caller-identity = %+v, want an Arn starting %s", e.w.admin, id, roleARN)
	}
	cli("", &id, "--profile", e.w.cli, "sts", "get-caller-identity")
	if !strings.HasPrefix(id.Arn, roleARN) {
		t.Fatalf("aws --profile %s (credential_process = kagi credential-process) sts get-caller-identity = %+v, want an Arn starting %s", e.w.cli, id, roleARN)
	}
	c, _ := e.w.credentials(nil, "kagi", "credential-process", e.w.admin)
	e.sessions["second role session secret"], e.sessions["second role session token"] = c.SecretAccessKey, c.SessionToken

	// The MFA session (opened with the rotated key by the second kagi) manages the user's keys and password.
	e.execEnv(e.w.dev, "second MFA session")
	var keys struct {
		AccessKeyMetadata []struct{ UserName, AccessKeyId, Status string }
	}
	cli(e.w.dev, &keys, "iam", "list-access-keys")
	if len(keys.AccessKeyMetadata) != 1 || keys.AccessKeyMetadata[0].AccessKeyId != e.newKeyID ||
		keys.AccessKeyMetadata[0].Status != "Active" || keys.AccessKeyMetadata[0].UserName != e.info.UserName {
		t.Fatalf("aws iam list-access-keys = %+v, want only the rotated key %s, Active", keys.AccessKeyMetadata, e.newKeyID)
	}
	// ChangePassword succeeds only with the current password as the old one: the one typed into the TUI.
	cli(e.w.dev, nil, "iam", "change-password", "--old-password", e.newPassword, "--new-password", e.cliPassword)

	// The revealed key itself signs (the secret shown once is the one IAM issued): the user's MFA device,
	// which the policy lists without MFA.
	home := filepath.Join(e.w.root, "awscli")
	if err := mkdirPrivate(home); err != nil {
		t.Fatal(err)
	}
	var devices struct {
		MFADevices []struct{ UserName, SerialNumber string }
	}
	e.awsJSON(home, e2eCreds{id: e.newKeyID, secret: e.newSecret}, &devices, "iam", "list-mfa-devices")
	if len(devices.MFADevices) != 1 || devices.MFADevices[0].SerialNumber != e.serial || devices.MFADevices[0].UserName != e.info.UserName {
		t.Fatalf("aws iam list-mfa-devices = %+v, want the one device %s of %s", devices.MFADevices, e.serial, e.info.UserName)
	}
	e.w.wantSTS("after the AWS CLI checks (sessions from kagi's cache)", 2, 2)
}

// awsJSON runs the AWS CLI with explicit credentials (e2eAWS: a clean environment and HOME) and decodes its output.
func (e *tmuxE2E) awsJSON(home string, c e2eCreds, v any, args ...string) {
	e.t.Helper()
	stdout, stderr, code := e2eAWS(e.t, e.aws, home, e.info.EndpointURL, c, args...)
	if code != 0 {
		e.t.Fatalf("aws %s: exit %d\nstderr: %s", strings.Join(args, " "), code, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), v); err != nil {
		e.t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, stdout)
	}
}

// checkCalls: the whole flow made the calls it should, once each where once is right, and none failed.
// tui is the counters right after the first kagi.
func (e *tmuxE2E) checkCalls(tui eeCalls) {
	t := e.t
	c := e.w.calls()
	// No endpoint error at all, AccessDenied included, under the fixture policy: the access-key screen looks up
	// last use (iam:GetAccessKeyLastUsed, which the policy denies) only when asked, and this flow does not ask.
	if len(tui.Errors) != 0 || len(c.Errors) != 0 {
		t.Errorf("endpoint errors after the first kagi %v, at the end %v; want none", tui.Errors, c.Errors)
	}
	if n := c.Calls["GetAccessKeyLastUsed"]; n != 0 {
		t.Errorf("GetAccessKeyLastUsed called %d times; the screen must ask only on request", n)
	}
	// One device, enabled once; two passwords set (TUI, then the CLI's confirmation); one rotation; two MFA
	// sessions (onboarding, the prompt after kagi clear) and two role sessions, everything else from the cache.
	for op, n := range map[string]int{"CreateVirtualMFADevice": 1, "EnableMFADevice": 1, "ChangePassword": 2,
		"CreateAccessKey": 1, "DeleteAccessKey": 1, "GetSessionToken": 2, "AssumeRole": 2} {
		if c.Calls[op] != n {
			t.Errorf("endpoint %s calls: %d, want %d (all calls %v)", op, c.Calls[op], n, c.Calls)
		}
	}
}

// secrets is everything secret the endpoint issued or the user typed.
func (e *tmuxE2E) secrets() map[string]string {
	out := map[string]string{
		"the original secret access key": e.info.SecretAccessKey,
		"the rotated secret access key":  e.newSecret,
		"the MFA seed":                   e.seed,
		"the MFA seed as shown":          e.seedGrouped,
		"the original password":          e.info.Password,
		"the password set in the TUI":    e.newPassword,
		"the password set by the CLI":    e.cliPassword,
	}
	for what, v := range e.sessions {
		if !strings.HasSuffix(what, " key") { // access key IDs are not secret
			out[what] = v
		}
	}
	for what, v := range out {
		if v == "" {
			e.t.Fatalf("no value for %s: the scan would miss it", what)
		}
	}
	return out
}
