package session_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kagi-cli/kagi/session"
)

const setupConfig = `# my AWS config
[default]
region = eu-central-1   ; where I work

# the IAM user
[profile dev]
region = eu-west-1
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
`

func adminRequest() session.SetupRequest {
	return session.SetupRequest{Profile: "admin", Source: "dev", RoleARN: "arn:aws:iam::123456789012:role/iam-role-admin",
		MFASerial: "arn:aws:iam::123456789012:mfa/alice", Region: "eu-west-1"}
}

func TestSetupPlanPreviewAndApply(t *testing.T) {
	path := writeTemp(t, "config", setupConfig)
	plan, err := session.PlanSetup(path, adminRequest())
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Changed() || !plan.Existed {
		t.Fatalf("plan: changed %v existed %v", plan.Changed(), plan.Existed)
	}
	wantDiff := "--- " + path + "\n+++ " + path + ` (after kagi setup)
@@ -9,3 +9,15 @@
 
 [sso-session corp]
 sso_start_url = https://corp.awsapps.com/start
+
+# Added by kagi setup.
+[profile admin]
+source_profile = dev
+role_arn = arn:aws:iam::123456789012:role/iam-role-admin
+mfa_serial = arn:aws:iam::123456789012:mfa/alice
+region = eu-west-1
+
+# Added by kagi setup.
+[profile admin-cli]
+credential_process = kagi-credential-process admin
+region = eu-west-1
`
	if got := plan.Diff(); got != wantDiff {
		t.Errorf("diff =\n%s\nwant\n%s", got, wantDiff)
	}
	if b, _ := os.ReadFile(path); string(b) != setupConfig {
		t.Fatal("planning wrote the file")
	}
	if err := plan.Apply(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != string(plan.After) || !strings.HasPrefix(string(got), setupConfig) {
		t.Errorf("file after apply =\n%s", got)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", info.Mode())
	}
	if b, err := os.ReadFile(plan.Backup()); err != nil || string(b) != setupConfig {
		t.Errorf("backup %s: %v %q", plan.Backup(), err, b)
	}
	cfg, err := session.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := cfg.Profile("admin")
	if err != nil || p.SourceProfile != "dev" || p.RoleARN != adminRequest().RoleARN || p.MFASerial != adminRequest().MFASerial || p.Region != "eu-west-1" {
		t.Errorf("admin = %+v, %v", p, err)
	}
	if p, err := cfg.Profile("admin-cli"); err != nil || p.CredentialProcess != "kagi-credential-process admin" {
		t.Errorf("admin-cli = %+v, %v", p, err)
	}

	// Running it again changes nothing.
	again, err := session.PlanSetup(path, adminRequest())
	if err != nil || again.Changed() || again.Diff() != "" {
		t.Errorf("second plan: %v changed %v diff %q", err, again.Changed(), again.Diff())
	}
}

func TestSetupEditsExistingProfileInPlace(t *testing.T) {
	path := writeTemp(t, "config", setupConfig+`
[profile admin]
# the admin role
source_profile = dev
duration_seconds = 3600
`)
	r := adminRequest()
	r.MFASerial, r.Region = "", ""
	plan, err := session.PlanSetup(path, r)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := setupConfig + `
[profile admin]
# the admin role
source_profile = dev
duration_seconds = 3600
role_arn = arn:aws:iam::123456789012:role/iam-role-admin

# Added by kagi setup.
[profile admin-cli]
credential_process = kagi-credential-process admin
`
	if string(got) != want {
		t.Errorf("file =\n%s\nwant\n%s", got, want)
	}
}

func TestSetupRefusesDifferentProfileWithoutForce(t *testing.T) {
	existing := setupConfig + `
[profile admin]
source_profile = dev
role_arn = arn:aws:iam::123456789012:role/old-admin

[profile admin-cli]
aws_access_key_id = AKIAEXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
`
	path := writeTemp(t, "config", existing)
	_, err := session.PlanSetup(path, adminRequest())
	var ce *session.ProfileConflictError
	if !errors.As(err, &ce) || ce.Key != "role_arn" || !strings.Contains(err.Error(), "pass --force") {
		t.Fatalf("err = %v", err)
	}
	r := adminRequest()
	r.RoleARN = "arn:aws:iam::123456789012:role/old-admin"
	if _, err := session.PlanSetup(path, r); !errors.As(err, &ce) || ce.Profile != "admin-cli" || ce.Key != "aws_access_key_id" || ce.New != "" ||
		strings.Contains(err.Error(), "AKIAEXAMPLE") {
		t.Fatalf("credential key in the cli profile: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != existing {
		t.Fatal("a refused setup wrote the file")
	}

	r = adminRequest()
	r.Force = true
	plan, err := session.PlanSetup(path, r)
	if err != nil {
		t.Fatal(err)
	}
	if d := plan.Diff(); !strings.Contains(d, "-role_arn = arn:aws:iam::123456789012:role/old-admin\n+role_arn = arn:aws:iam::123456789012:role/iam-role-admin\n") ||
		!strings.Contains(d, "-aws_access_key_id = AKIAEXAMPLE\n") || !strings.Contains(d, "-aws_secret_access_key = [redacted]\n") ||
		strings.Contains(d, "EXAMPLEKEY") {
		t.Errorf("forced diff:\n%s", d)
	}
	if err := plan.Apply(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path + ".kagi-backup"); string(b) != existing {
		t.Errorf("backup = %q", b)
	}
}

func TestSetupCreatesMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aws", "config")
	r := adminRequest()
	r.CLIProfile = "admin-for-cli"
	plan, err := session.PlanSetup(path, r)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Existed || plan.Backup() != "" || !strings.HasPrefix(plan.Diff(), "--- /dev/null\n+++ "+path+" (after kagi setup)\n@@ -0,0 +1,11 @@\n+# Added by kagi setup.\n") {
		t.Fatalf("plan for a new file: existed %v backup %q diff\n%s", plan.Existed, plan.Backup(), plan.Diff())
	}
	if err := plan.Apply(); err != nil {
		t.Fatal(err)
	}
	if cfg, err := session.LoadConfig(path); err != nil || !strings.Contains(string(plan.After), "[profile admin-for-cli]") {
		t.Fatalf("%v\n%s", err, plan.After)
	} else if p, err := cfg.Profile("admin-for-cli"); err != nil || p.CredentialProcess != "kagi-credential-process admin" {
		t.Errorf("cli profile = %+v %v", p, err)
	}
}

func TestSetupApplyRefusesAFileChangedSincePreview(t *testing.T) {
	path := writeTemp(t, "config", setupConfig)
	plan, err := session.PlanSetup(path, adminRequest())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(setupConfig+"\n[profile other]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(); err == nil || !strings.Contains(err.Error(), "changed while the preview was shown") {
		t.Fatalf("apply after a change: %v", err)
	}
}

func TestSetupValidation(t *testing.T) {
	tests := []struct {
		change func(*session.SetupRequest)
		want   string
	}{
		{func(r *session.SetupRequest) { r.Profile = "my admin" }, "not a usable profile name"},
		{func(r *session.SetupRequest) { r.Source = "" }, "--source"},
		{func(r *session.SetupRequest) { r.Source = "admin" }, "not the role profile"},
		{func(r *session.SetupRequest) { r.CLIProfile = "dev" }, "--cli-profile dev must differ"},
		{func(r *session.SetupRequest) { r.RoleARN = "arn:aws:iam::123:role/x" }, "not a role ARN"},
		{func(r *session.SetupRequest) { r.MFASerial = "short" }, "not an MFA device ARN"},
		{func(r *session.SetupRequest) { r.Region = "Europe" }, "not an AWS region"},
	}
	path := writeTemp(t, "config", setupConfig)
	for _, tt := range tests {
		r := adminRequest()
		tt.change(&r)
		if _, err := session.PlanSetup(path, r); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", r, err, tt.want)
		}
	}
}

func TestLineDiff(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n"
	b := "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\n12\n14\n15\n"
	want := `--- a
+++ b
@@ -1,6 +1,6 @@
 1
 2
-3
+three
 4
 5
 6
@@ -10,5 +10,5 @@
 10
 11
 12
-13
 14
+15
`
	if got := session.LineDiff("a", "b", []byte(a), []byte(b)); got != want {
		t.Errorf("diff =\n%s\nwant\n%s", got, want)
	}
	if got := session.LineDiff("a", "b", []byte("x\r\ny\r\n"), []byte("x\ny\n")); got != "" {
		t.Errorf("line endings only: %q", got)
	}
}
