package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws/policy"
)

// oneErrorLine checks that stderr is "kagi: <one line>" (plus the usage hint for exit 2).
func oneErrorLine(t *testing.T, r cliResult, code int, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	maxLines := 1
	if code == exitUsage {
		maxLines = 2
	}
	if r.code != code || !strings.HasPrefix(lines[0], "kagi: ") || !strings.Contains(lines[0], want) || len(lines) > maxLines {
		t.Errorf("code %d (want %d), stderr %q, want one line with %q", r.code, code, r.stderr, want)
	}
}

func TestCLIPolicyPrintsTheGeneratedJSON(t *testing.T) {
	tests := []struct {
		args []string
		kind string
		o    awsx.PolicyOptions
	}{
		{[]string{"policy", "self-service"}, awsx.PolicySelfService, awsx.PolicyOptions{}},
		{[]string{"policy", "self-service", "--account", "123456789012"}, awsx.PolicySelfService, awsx.PolicyOptions{Account: "123456789012"}},
		{[]string{"policy", "role-trust", "--account", "123456789012", "--source-ip", "203.0.113.0/24,198.51.100.7", "--max-mfa-age", "12h"},
			awsx.PolicyRoleTrust, awsx.PolicyOptions{Account: "123456789012", SourceIPs: []string{"203.0.113.0/24", "198.51.100.7"}, MaxMFAAge: 43200e9}},
		{[]string{"policy", "assume-group"}, awsx.PolicyAssumeGroup, awsx.PolicyOptions{}},
		{[]string{"policy", "assume-group", "--role", "admin", "--role", "operator", "--source-ip", "203.0.113.0/24"},
			awsx.PolicyAssumeGroup, awsx.PolicyOptions{Roles: []string{"admin", "operator"}, SourceIPs: []string{"203.0.113.0/24"}}},
	}
	for _, tt := range tests {
		r := cliRun(t, context.Background(), nil, tt.args...)
		want, err := awsx.BuildPolicy(tt.kind, tt.o)
		if err != nil {
			t.Fatal(err)
		}
		if r.code != exitOK || r.stderr != "" || r.stdout != string(want.JSON()) {
			t.Errorf("kagi %v: code %d stderr %q stdout\n%s\nwant\n%s", tt.args, r.code, r.stderr, r.stdout, want.JSON())
		}
		if _, err := policy.Parse([]byte(r.stdout)); err != nil || !json.Valid([]byte(r.stdout)) {
			t.Errorf("kagi %v: output does not parse: %v", tt.args, err)
		}
	}
}

func TestCLIPolicyUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"policy"}, "choose a policy"},
		{[]string{"policy", "bogus"}, "bogus"},
		{[]string{"policy", "role-trust"}, "pass --account"},
		{[]string{"policy", "self-service", "--account", "42"}, "12-digit"},
		{[]string{"policy", "self-service", "--source-ip", "10.0.0.0/8"}, "unknown flag"},
		{[]string{"policy", "assume-group", "--source-ip", "10.0.0.1/8"}, "did you mean 10.0.0.0/8"},
		{[]string{"policy", "assume-group", "--role", "not a role"}, "not a valid role name"},
		{[]string{"policy", "role-trust", "--account", "123456789012", "--max-mfa-age", "5s"}, "too short"},
		{[]string{"policy", "check"}, "equires at least 1 arg"},
	}
	for _, tt := range tests {
		r := cliRun(t, context.Background(), nil, tt.args...)
		if r.stdout != "" {
			t.Errorf("kagi %v printed %q", tt.args, r.stdout)
		}
		oneErrorLine(t, r, exitUsage, tt.want)
	}
}

func writePolicy(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCLIPolicyCheckFixture(t *testing.T) {
	path := "../../awsx/localaws/policies/force-mfa-self-manage.json"
	r := cliRun(t, context.Background(), nil, "policy", "check", path)
	oneErrorLine(t, r, exitError, "The policy denies 1 action kagi needs.")
	if !strings.Contains(r.stdout, "Denied (kagi cannot do these):\n  with MFA, last used: iam:GetAccessKeyLastUsed: ") {
		t.Errorf("stdout lacks the denied list:\n%s", r.stdout)
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.Contains(line, "denied") && !strings.Contains(line, "GetAccessKeyLastUsed") && !strings.Contains(line, "DeleteVirtualMFADevice") {
			t.Errorf("unexpected denial: %s", line)
		}
	}

	r = cliRun(t, context.Background(), nil, "policy", "check", path, "--json")
	var rep awsx.PolicyCheckReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != exitError {
		t.Fatalf("--json: %v code %d\n%s", err, r.code, r.stdout)
	}
	if len(rep.Denied) != 1 || rep.Denied[0].Action != "iam:GetAccessKeyLastUsed" || len(rep.Steps) != 25 {
		t.Errorf("--json report: denied %+v, %d steps", rep.Denied, len(rep.Steps))
	}
}

func TestCLIPolicyCheckGeneratedPasses(t *testing.T) {
	self := cliRun(t, context.Background(), nil, "policy", "self-service")
	group := cliRun(t, context.Background(), nil, "policy", "assume-group", "--account", "000000000000", "--role", "admin", "--source-ip", "203.0.113.0/24")
	files := []string{writePolicy(t, "self.json", self.stdout), writePolicy(t, "group.json", group.stdout)}

	r := cliRun(t, context.Background(), nil, append([]string{"policy", "check", "--source-ip", "203.0.113.20"}, files...)...)
	if r.code != exitOK || r.stderr != "" || strings.Contains(r.stdout, "Denied") || !strings.Contains(r.stdout, "sts:AssumeRole admin") {
		t.Fatalf("check of the generated policies: %+v", r)
	}
	r = cliRun(t, context.Background(), nil, append([]string{"policy", "check"}, files...)...)
	oneErrorLine(t, r, exitError, "denies 1 action")
	if !strings.Contains(r.stdout, "Note: the policy has aws:SourceIp conditions") {
		t.Errorf("no source-IP note:\n%s", r.stdout)
	}
}

func TestCLIPolicyCheckBadFiles(t *testing.T) {
	bad := writePolicy(t, "bad.json", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser"}`)
	r := cliRun(t, context.Background(), nil, "policy", "check", bad)
	oneErrorLine(t, r, exitUsage, "bad.json is not a valid IAM policy (MalformedPolicyDocument: ")
	noAction := writePolicy(t, "noaction.json", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Resource": "*"}}`)
	oneErrorLine(t, cliRun(t, context.Background(), nil, "policy", "check", noAction), exitUsage, "must contain Action or NotAction")
	oneErrorLine(t, cliRun(t, context.Background(), nil, "policy", "check", filepath.Join(t.TempDir(), "missing.json")), exitUsage, "cannot read policy file")
	oneErrorLine(t, cliRun(t, context.Background(), nil, "policy", "check", bad, "--account", "1"), exitUsage, "not a valid IAM policy")
	good := writePolicy(t, "good.json", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}`)
	oneErrorLine(t, cliRun(t, context.Background(), nil, "policy", "check", good, "--account", "1"), exitUsage, "12-digit")
	if r := cliRun(t, context.Background(), nil, "policy", "check", good); r.code != exitOK {
		t.Errorf("allow-all: %+v", r)
	}
}
