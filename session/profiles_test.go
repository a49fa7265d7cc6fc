package session_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kagi-cli/kagi/session"
)

func writeTemp(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func loadConfig(t *testing.T, content string) *session.Config {
	t.Helper()
	c, err := session.LoadConfig(writeTemp(t, "config", content))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	return c
}

func checkOneLine(t *testing.T, err error, wants ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", wants)
	}
	if strings.ContainsAny(err.Error(), "\r\n") {
		t.Errorf("error spans lines: %q", err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func TestConfigPaths(t *testing.T) {
	env := func(m map[string]string) session.Env { return func(k string) string { return m[k] } }
	home := env(map[string]string{"HOME": "/home/u"})
	if got := session.ConfigPath(home); got != filepath.Join("/home/u", ".aws", "config") {
		t.Errorf("ConfigPath = %q", got)
	}
	if got := session.CredentialsPath(home); got != filepath.Join("/home/u", ".aws", "credentials") {
		t.Errorf("CredentialsPath = %q", got)
	}
	set := env(map[string]string{"HOME": "/home/u", "AWS_CONFIG_FILE": "/c", "AWS_SHARED_CREDENTIALS_FILE": "/k"})
	if session.ConfigPath(set) != "/c" || session.CredentialsPath(set) != "/k" {
		t.Errorf("overrides ignored: %q %q", session.ConfigPath(set), session.CredentialsPath(set))
	}
	if got := session.ConfigPath(env(nil)); !strings.HasSuffix(got, filepath.Join(".aws", "config")) {
		t.Errorf("ConfigPath without HOME = %q", got)
	}
}

func TestLoadConfigMissingAndMalformed(t *testing.T) {
	c, err := session.LoadConfig(filepath.Join(t.TempDir(), "nope"))
	if err != nil || len(c.Names()) != 0 {
		t.Fatalf("missing file: %v, %v", c.Names(), err)
	}
	for _, tc := range []struct{ content, line string }{
		{"[profile a]\nregion = x\n[profile b\n", "(line 3)"},
		{"[profile a]\r\njust words\r\n", "(line 2)"},
		{"[profile a]\n[] # x\n", "(line 2)"},
		{"\xef\xbb\xbf[profile a]\n = v\n", "(line 2)"},
	} {
		path := writeTemp(t, "config", tc.content)
		_, err := session.LoadConfig(path)
		checkOneLine(t, err, path, "not a valid AWS config file", tc.line)
	}
	_, err = session.LoadConfig(t.TempDir()) // a directory: unreadable
	checkOneLine(t, err, "cannot read")
}

func TestConfigNames(t *testing.T) {
	c := loadConfig(t, "\xef\xbb\xbf# comment\r\n[default]\r\nregion = eu-west-1\r\n"+
		"[profile admin]\r\nrole_arn = arn:aws:iam::123456789012:role/admin\r\n"+
		"[bare]\nregion = x\n[sso-session corp]\nsso_region = x\n[services local]\ns3 =\n  endpoint_url = x\n"+
		"[profile \"with space\"]\n[profile two words]\n[profile ünïcødé]\n[profile a]b]\n[ profile  padded ]\n"+
		"[profileX y]\n[profile]\n[profile admin]\nregion = us-west-2\n")
	want := []string{"a]b", "admin", "default", "padded", "with space", "ünïcødé"}
	if got := c.Names(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Names = %q, want %q", got, want)
	}
	p, err := c.Profile("admin") // duplicate sections merge
	if err != nil || p.Region != "us-west-2" || p.RoleARN == "" {
		t.Fatalf("admin = %+v, %v", p, err)
	}
	if p, _ := c.Profile("default"); p.Region != "eu-west-1" {
		t.Errorf("default region %q (CRLF/BOM)", p.Region)
	}
	both := loadConfig(t, "[profile default]\nregion = a\n[default]\nregion = b\n")
	if p, _ := both.Profile("default"); p.Region != "a" {
		t.Errorf("[profile default] should win over [default], got %q", p.Region)
	}
}

func TestProfileFields(t *testing.T) {
	c := loadConfig(t, `[profile admin]
Region = eu-central-1
role_arn = arn:aws:iam::123456789012:role/ops/admin
source_profile = base
MFA_Serial = arn:aws:iam::123456789012:mfa/alice
mfa_process = ykman oath accounts code -s aws
external_id = ext-1
role_session_name = alice@corp
duration_seconds = 3600
kagi_session_duration = 8h
kagi_mfa_on_assume = TRUE
credential_process = kagi credential-process admin
endpoint_url = http://127.0.0.1:4566
aws_access_key_id = AKIAEXAMPLE
unknown_key = ignored
`)
	p, err := c.Profile("admin")
	if err != nil {
		t.Fatal(err)
	}
	want := &session.Profile{Name: "admin", Region: "eu-central-1", SourceProfile: "base",
		RoleARN: "arn:aws:iam::123456789012:role/ops/admin", MFASerial: "arn:aws:iam::123456789012:mfa/alice",
		MFAProcess: "ykman oath accounts code -s aws", ExternalID: "ext-1", RoleSessionName: "alice@corp",
		DurationSeconds: 3600, SessionDuration: 8 * time.Hour, MFAOnAssume: true,
		CredentialProcess: "kagi credential-process admin", EndpointURL: "http://127.0.0.1:4566", HasStaticKeys: true}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("Profile =\n%+v\nwant\n%+v", p, want)
	}
}

func TestProfileValidation(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	acct := "arn:aws:iam::123456789012:"
	for _, tc := range []struct{ key, value, err string }{
		{"duration_seconds", "900", ""},
		{"duration_seconds", "43200", ""},
		{"duration_seconds", "", ""},
		{"duration_seconds", "899", "between 900 and 43200"},
		{"duration_seconds", "43201", "between 900 and 43200"},
		{"duration_seconds", "abc", `duration_seconds "abc" must be a number of seconds between 900 and 43200`},
		{"duration_seconds", "+900", "between"},
		{"duration_seconds", "9e2", "between"},
		{"duration_seconds", strings.Repeat("9", 5000), `"999`},
		{"kagi_session_duration", "12h", ""},
		{"kagi_session_duration", "15m", ""},
		{"kagi_session_duration", "36h", ""},
		{"kagi_session_duration", "14m59s", "between 15m and 36h"},
		{"kagi_session_duration", "36h1s", "between 15m and 36h"},
		{"kagi_session_duration", "3600", "between 15m and 36h"},
		{"kagi_mfa_on_assume", "false", ""},
		{"kagi_mfa_on_assume", "yes", "true or false"},
		{"kagi_mfa_on_assume", "1", "true or false"},
		{"role_arn", acct + "role/admin", ""},
		{"role_arn", "arn:aws-us-gov:iam::123456789012:role/a/b/c_d+e=f,g.h@i-j", ""},
		{"role_arn", acct + "role/" + long(64), ""},
		{"role_arn", acct + "role/" + long(65), "not an IAM role ARN"},
		{"role_arn", "arn:aws:iam::12345678901:role/x", "not an IAM role ARN"},
		{"role_arn", "arn:aws:iam::1234567890123:role/x", "not an IAM role ARN"},
		{"role_arn", acct + "user/x", "not an IAM role ARN"},
		{"role_arn", "arn:aws:sts::123456789012:role/x", "not an IAM role ARN"},
		{"role_arn", "arn:aws:iam:us-east-1:123456789012:role/x", "not an IAM role ARN"},
		{"role_arn", "arn::iam::123456789012:role/x", "not an IAM role ARN"},
		{"role_arn", acct + "role/", "not an IAM role ARN"},
		{"role_arn", acct + "role/x/", "not an IAM role ARN"},
		{"role_arn", acct + "role/a b", "not an IAM role ARN"},
		{"role_arn", acct + "role/ädmin", "not an IAM role ARN"},
		{"role_arn", acct + "role/x]", "not an IAM role ARN"},
		{"role_arn", "admin", "not an IAM role ARN"},
		{"mfa_serial", acct + "mfa/alice", ""},
		{"mfa_serial", "GAHT12345678", ""},
		{"mfa_serial", "12345678", "nor a hardware token serial"},
		{"mfa_serial", long(256), ""},
		{"mfa_serial", long(257), "nor a hardware token serial"},
		{"mfa_serial", acct + "role/alice", "not an MFA device ARN"},
		{"mfa_serial", "arn:aws:iam::123:mfa/alice", "not an MFA device ARN"},
		{"mfa_serial", "serial with spaces", "nor a hardware"},
		{"role_session_name", "alice@corp.example", ""},
		{"role_session_name", "ab", ""},
		{"role_session_name", "a", "2 to 64"},
		{"role_session_name", long(64), ""},
		{"role_session_name", long(65), "2 to 64"},
		{"role_session_name", "a/b", "2 to 64"},
		{"role_session_name", "ålice", "2 to 64"},
		{"external_id", "x:y/z=1", ""},
		{"external_id", long(1224), ""},
		{"external_id", long(1225), "2 to 1224"},
		{"external_id", "a", "2 to 1224"},
		{"external_id", "a b", "2 to 1224"},
	} {
		path := writeTemp(t, "config", "[profile p]\n"+tc.key+" = "+tc.value+"\n")
		c, err := session.LoadConfig(path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Profile("p")
		if tc.err == "" {
			if err != nil {
				t.Errorf("%s = %q: %v", tc.key, tc.value, err)
			}
			continue
		}
		checkOneLine(t, err, path+`: profile "p": `+tc.key, tc.err)
		if len(err.Error()) > 400 {
			t.Errorf("%s: error is %d bytes long", tc.key, len(err.Error()))
		}
	}
}

func TestProfileUnknown(t *testing.T) {
	c := loadConfig(t, "[profile a]\n")
	_, err := c.Profile("b")
	checkOneLine(t, err, `profile "b" is not in `+c.Path+"; run 'kagi list' to see the profiles")
	if !errors.Is(err, session.ErrUnknownProfile) {
		t.Errorf("%v is not ErrUnknownProfile", err)
	}
}

const roleARN = "arn:aws:iam::123456789012:role/"

func TestChain(t *testing.T) {
	var long strings.Builder
	for i := 0; i < 10; i++ {
		long.WriteString("[profile r" + string(rune('0'+i)) + "]\nrole_arn = " + roleARN + "x\nsource_profile = r" + string(rune('1'+i)) + "\n")
	}
	long.WriteString("[profile r:]\n")
	for _, tc := range []struct {
		name, config, profile string
		want                  []string
		err                   string
	}{
		{"direct", "[profile dev]\nregion = x\n", "dev", []string{"dev"}, ""},
		{"role", "[profile admin]\nrole_arn = " + roleARN + "a\nsource_profile = base\n[default]\n[profile base]\n", "admin", []string{"admin", "base"}, ""},
		{"chained", "[profile deep]\nrole_arn = " + roleARN + "d\nsource_profile = admin\n[profile admin]\nrole_arn = " + roleARN + "a\nsource_profile = base\n[profile base]\n", "deep", []string{"deep", "admin", "base"}, ""},
		{"self", "[profile me]\nrole_arn = " + roleARN + "a\nsource_profile = me\nmfa_serial = GAHT12345678\n", "me", []string{"me", "me"}, ""},
		{"self at the end", "[profile a]\nrole_arn = " + roleARN + "a\nsource_profile = b\n[profile b]\nrole_arn = " + roleARN + "b\nsource_profile = b\n", "a", []string{"a", "b", "b"}, ""},
		{"source_profile without role is ignored", "[profile a]\nsource_profile = nope\n", "a", []string{"a"}, ""},
		{"cycle", "[profile a]\nrole_arn = " + roleARN + "a\nsource_profile = b\n[profile b]\nrole_arn = " + roleARN + "b\nsource_profile = a\n", "a", nil, `profile "b": source_profile makes a cycle a -> b -> a`},
		{"missing source", "[profile a]\nrole_arn = " + roleARN + "a\nsource_profile = nope\n", "a", nil, `profile "a": source_profile "nope" is not a profile in`},
		{"no source", "[profile a]\nrole_arn = " + roleARN + "a\n", "a", nil, `profile "a" has role_arn but no source_profile; add source_profile = <profile with keys>`},
		{"credential_source", "[profile a]\nrole_arn = " + roleARN + "a\ncredential_source = Ec2InstanceMetadata\n", "a", nil, `credential_source "Ec2InstanceMetadata" is not supported by kagi`},
		{"bad source", "[profile a]\nrole_arn = " + roleARN + "a\nsource_profile = b\n[profile b]\nduration_seconds = 1\n", "a", nil, `profile "b": duration_seconds "1"`},
		{"unknown", "", "a", nil, `profile "a" is not in`},
		{"ten", long.String(), "r1", []string{"r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r:"}, ""},
		{"too long", long.String(), "r0", nil, "longer than 10 profiles"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loadConfig(t, tc.config)
			chain, err := c.Chain(tc.profile)
			if tc.err != "" {
				checkOneLine(t, err, c.Path, tc.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range chain {
				names = append(names, p.Name)
			}
			if !reflect.DeepEqual(names, tc.want) {
				t.Fatalf("Chain = %q, want %q", names, tc.want)
			}
			if last := chain[len(chain)-1]; last.RoleARN != "" || last.SourceProfile != "" && len(chain) > 1 {
				t.Errorf("source %+v still has role settings", last)
			}
		})
	}
	c := loadConfig(t, "[profile me]\nrole_arn = "+roleARN+"a\nsource_profile = me\nmfa_serial = GAHT12345678\nregion = r\n")
	chain, _ := c.Chain("me")
	if chain[0].RoleARN == "" || chain[1].MFASerial != "GAHT12345678" || chain[1].Region != "r" {
		t.Errorf("self-source chain %+v %+v", chain[0], chain[1])
	}
}

func TestChainWithCredentialsProfiles(t *testing.T) {
	c := loadConfig(t, "[profile admin]\nrole_arn = "+roleARN+"a\nsource_profile = work\n")
	if _, err := c.Chain("admin"); err == nil {
		t.Fatal("want an error for a source only in the credentials file before AddCredentialsProfiles")
	}
	creds, err := session.LoadCredentials(writeTemp(t, "credentials", "[work]\naws_access_key_id = AKIA\naws_secret_access_key = s\n"))
	if err != nil {
		t.Fatal(err)
	}
	c.AddCredentialsProfiles(creds)
	chain, err := c.Chain("admin")
	if err != nil || len(chain) != 2 || chain[1].Name != "work" {
		t.Fatalf("Chain = %v, %v", chain, err)
	}
	if names := c.Names(); len(names) != 1 {
		t.Errorf("Names = %q, want only the config's profiles", names)
	}
}

func TestFingerprint(t *testing.T) {
	const a = "[profile admin]\nregion = eu-west-1\nrole_arn = " + roleARN + "admin\nsource_profile = base\nmfa_serial = GAHT12345678\n[profile base]\nkagi_session_duration = 12h\n"
	const reordered = "# moved around\n[profile base]\nkagi_session_duration = 720m\n\n[profile admin]\nmfa_serial=GAHT12345678\nsource_profile = base\nrole_arn = " + roleARN + "admin\nregion = us-east-1\n"
	fp := func(content string) string {
		t.Helper()
		s, err := loadConfig(t, content).Fingerprint("admin")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := fp(a)
	if len(base) != 16 || strings.Trim(base, "0123456789abcdef") != "" {
		t.Fatalf("fingerprint %q is not 16 hex characters", base)
	}
	if fp(a) != base || fp(reordered) != base {
		t.Errorf("fingerprint changed with key order, comments or region")
	}
	for _, changed := range []string{
		strings.Replace(a, "role/admin", "role/admin2", 1),
		strings.Replace(a, "12h", "11h", 1),
		strings.Replace(a, "GAHT12345678", "GAHT12345679", 1),
		a + "kagi_mfa_on_assume = true\n",
		a + "duration_seconds = 900\n",
		a + "role_session_name = x1\n",
		a + "external_id = e1\n",
	} {
		if fp(changed) == base {
			t.Errorf("fingerprint did not change for\n%s", changed)
		}
	}
	if _, err := loadConfig(t, "[profile admin]\nrole_arn = x\n").Fingerprint("admin"); err == nil {
		t.Error("Fingerprint of an invalid profile: no error")
	}
}

func FuzzLoadConfig(f *testing.F) {
	for _, s := range []string{
		"[default]\nregion = x\n",
		"[profile a]\nrole_arn = " + roleARN + "a\nsource_profile = a\n",
		"[profile a]\nrole_arn = " + roleARN + "a\nsource_profile = b\n[profile b]\nrole_arn = " + roleARN + "b\nsource_profile = a\n",
		"\xef\xbb\xbf[profile x]\r\ns3 =\r\n  max = 1\r\nk = \"\"\"a\nb\"\"\"\n",
		"[profile q]\nduration_seconds = 1e9\nkagi_session_duration = -1h\n",
		"[profile a\rb]\nrole_arn = " + roleARN + "a\nsource_profile = x\ry\n",
	} {
		f.Add([]byte(s))
	}
	path := filepath.Join(f.TempDir(), "config") // one file per fuzz process: iterations run one at a time
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := session.LoadConfig(path)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		for _, name := range c.Names() {
			_, perr := c.Profile(name)
			chain, err := c.Chain(name)
			if err == nil && (len(chain) == 0 || len(chain) > 10) {
				t.Fatalf("Chain(%q) has %d profiles", name, len(chain))
			}
			_, _ = c.Fingerprint(name)
			for _, e := range []error{perr, err} {
				if e != nil && strings.ContainsAny(e.Error(), "\r\n") {
					t.Fatalf("error spans lines: %q", e)
				}
			}
		}
	})
}
