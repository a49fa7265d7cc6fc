package session_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/ini.v1"

	"github.com/kagi-cli/kagi/session"
)

func TestLoadCredentials(t *testing.T) {
	c, err := session.LoadCredentials(writeTemp(t, "credentials", `[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = secret-default
[temp]
aws_access_key_id = ASIATEMP
aws_secret_access_key = secret-temp
aws_session_token = token
[half]
aws_access_key_id = AKIAHALF
[Upper]
AWS_ACCESS_KEY_ID=AKIAUPPER
AWS_Secret_Access_Key=secret-upper
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Profiles(); !reflect.DeepEqual(got, []string{"Upper", "default", "half", "temp"}) {
		t.Errorf("Profiles = %q", got)
	}
	for name, want := range map[string]session.LongTermKey{
		"default": {AccessKeyID: "AKIADEFAULT", SecretAccessKey: "secret-default"},
		"Upper":   {AccessKeyID: "AKIAUPPER", SecretAccessKey: "secret-upper"},
		"temp":    {}, "half": {}, "missing": {},
	} {
		got, ok := c.Key(name)
		if got != want || ok != (want != session.LongTermKey{}) {
			t.Errorf("Key(%q) = %+v, %v", name, got, ok)
		}
	}
	empty, err := session.LoadCredentials(filepath.Join(t.TempDir(), "none"))
	if err != nil || len(empty.Profiles()) != 0 {
		t.Errorf("missing file: %v %v", empty.Profiles(), err)
	}
	var none *session.Credentials
	if _, ok := none.Key("default"); ok || none.Profiles() != nil {
		t.Error("nil Credentials has keys")
	}
	_, err = session.LoadCredentials(writeTemp(t, "credentials", "[work\n"))
	checkOneLine(t, err, "not a valid AWS config file (line 1)")
}

// ini.v1 reformats what it writes (alignment, spacing, comments), so the editors patch lines instead.
func TestINIWriteReformats(t *testing.T) {
	const in = "[a]\nk=v\n#c\nlonger_key = w\n"
	f, err := ini.LoadSources(ini.LoadOptions{AllowNestedValues: true, SpaceBeforeInlineComment: true}, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := f.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	if out.String() == in {
		t.Skip("ini.v1 now keeps bytes; the line editor is no longer needed")
	}
}

const credsFile = `# personal keys
[default]
aws_access_key_id=AKIADEFAULT
aws_secret_access_key=secret-default

; work account, imported by kagi
[work]
region   =   eu-west-1
aws_access_key_id = AKIAWORK   # inline
# the secret
aws_secret_access_key = secret-work
AWS_SESSION_TOKEN = tok
output=json

[gone]
aws_access_key_id = AKIAGONE
aws_secret_access_key = secret-gone

[last]
aws_access_key_id = AKIALAST
`

func TestRemoveCredentialsKeys(t *testing.T) {
	for _, tc := range []struct{ name, in, profile, want string }{
		{"keeps other keys", credsFile, "work",
			strings.Replace(credsFile, "aws_access_key_id = AKIAWORK   # inline\n# the secret\naws_secret_access_key = secret-work\nAWS_SESSION_TOKEN = tok\n", "# the secret\n", 1)},
		{"drops an emptied section", credsFile, "gone",
			strings.Replace(credsFile, "[gone]\naws_access_key_id = AKIAGONE\naws_secret_access_key = secret-gone\n\n", "", 1)},
		{"first section", credsFile, "default",
			strings.Replace(credsFile, "[default]\naws_access_key_id=AKIADEFAULT\naws_secret_access_key=secret-default\n\n", "", 1)},
		// The blank line that separated [last] goes with it: the file ends as it did, with a key line.
		{"last section", credsFile, "last", strings.Replace(credsFile, "\n\n[last]\naws_access_key_id = AKIALAST\n", "\n", 1)},
		{"CRLF and BOM", "\xef\xbb\xbf[a]\r\naws_access_key_id = X\r\nregion = r\r\n\r\n[b]\r\nk = v\r\n", "a",
			"\xef\xbb\xbf[a]\r\nregion = r\r\n\r\n[b]\r\nk = v\r\n"},
		{"no final newline", "[a]\nk = v\n[b]\naws_secret_access_key = s", "b", "[a]\nk = v"},
		{"duplicate sections", "[a]\naws_access_key_id = 1\nx = 1\n[b]\n[a]\naws_secret_access_key = 2\n", "a", "[a]\nx = 1\n[b]\n[a]\n"},
		{"unicode and brackets", "[ü]b]\naws_access_key_id = 1\n[c]\n", "ü]b", "[c]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTemp(t, "credentials", tc.in)
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := session.RemoveCredentialsKeys(path, tc.profile); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != tc.want {
				t.Fatalf("got\n%q\nwant\n%q", got, tc.want)
			}
			// No backup: it would keep the plaintext secret that import removes.
			if _, err := os.Stat(path + ".kagi-backup"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a backup holding the secret was written: %v", err)
			}
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v, %v", path, fi.Mode().Perm(), err)
			}
			c, _ := session.LoadCredentials(path)
			if _, ok := c.Key(tc.profile); ok {
				t.Error("key still readable")
			}
			if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
				t.Errorf("directory holds %d files, want only the credentials file", len(entries))
			}
		})
	}
}

func TestRemoveCredentialsKeysErrors(t *testing.T) {
	path := writeTemp(t, "credentials", credsFile)
	checkOneLine(t, session.RemoveCredentialsKeys(path, "nope"), `profile "nope" is not in `+path)
	checkOneLine(t, session.RemoveCredentialsKeys(path, ""), `profile "" is not in`)
	checkOneLine(t, session.RemoveCredentialsKeys(filepath.Join(t.TempDir(), "none"), "work"), "no such file")
	// Nothing to remove: no write, no backup.
	noKeys := writeTemp(t, "credentials", "[a]\nregion = x\n")
	if err := session.RemoveCredentialsKeys(noKeys, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(noKeys + ".kagi-backup"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("backup written for a no-op: %v", err)
	}
	// A file ini.v1 cannot read is refused, not rewritten.
	bad := writeTemp(t, "credentials", "[a\n")
	checkOneLine(t, session.RemoveCredentialsKeys(bad, "a"), "not a valid AWS config file")
}

func TestRemoveCredentialsKeysAtomic(t *testing.T) {
	// (No backup is written any more, so the old "backup blocked" case is gone; WriteFileAtomic's own
	// failure tests cover the temp-file path.)
	// A read-only directory: nothing can be created next to the file.
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	path := writeTemp(t, "credentials", credsFile)
	dir := filepath.Dir(path)
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	checkOneLine(t, session.RemoveCredentialsKeys(path, "work"), "cannot")
	if got, _ := os.ReadFile(path); string(got) != credsFile {
		t.Errorf("original changed: %q", got)
	}
}

func TestUpdateConfigCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", ".aws", "config")
	err := session.UpdateConfig(path, func(f *ini.File) error {
		f.Section("profile admin").Key("role_arn").SetValue(roleARN + "admin")
		f.Section("profile admin").Key("source_profile").SetValue("default")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if want := "[profile admin]\nrole_arn = " + roleARN + "admin\nsource_profile = default\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	for p, mode := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v, %v", p, fi.Mode().Perm(), err)
		}
	}
	if _, err := os.Stat(path + ".kagi-backup"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("backup of a new file: %v", err)
	}
}

const configFile = `# my AWS config
[default]
region=eu-west-1

# admin role
[profile admin]
role_arn   = arn:aws:iam::123456789012:role/admin   ; inline
source_profile = default
[services local]
s3 =
  endpoint_url = http://localhost
[profile old]
region = x

; trailing comment
`

func TestUpdateConfigKeepsLines(t *testing.T) {
	path := writeTemp(t, "config", configFile)
	err := session.UpdateConfig(path, func(f *ini.File) error {
		f.Section("profile admin").Key("mfa_serial").SetValue("GAHT12345678")
		f.Section("default").Key("region").SetValue("us-east-1")
		f.Section("profile admin").DeleteKey("source_profile")
		f.DeleteSection("profile old")
		f.Section("profile new").Key("credential_process").SetValue("kagi credential-process new # x")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer(
		"region=eu-west-1", "region=us-east-1", // the line keeps its layout
		"source_profile = default\n", "mfa_serial = GAHT12345678\n",
		"[profile old]\nregion = x\n\n", "",
	).Replace(configFile) + "\n[profile new]\ncredential_process = `kagi credential-process new # x`\n"
	got, _ := os.ReadFile(path)
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if backup, _ := os.ReadFile(path + ".kagi-backup"); string(backup) != configFile {
		t.Errorf("backup = %q", backup)
	}
	c, _ := session.LoadConfig(path)
	if p, err := c.Profile("new"); err != nil || p.CredentialProcess != "kagi credential-process new # x" {
		t.Errorf("new profile %+v %v", p, err)
	}
}

func TestUpdateConfigOddFiles(t *testing.T) {
	for _, in := range []string{
		"[profile a]\nk = \"\"\"multi\nline\"\"\"\n",
		"[profile a]\nk = continued \\\n  more\nregion = old\n",
		"top = level\n[profile a]\nregion = old",
		"\xef\xbb\xbf[profile a]\r\nregion = old\r\n",
		"",
	} {
		path := writeTemp(t, "config", in)
		err := session.UpdateConfig(path, func(f *ini.File) error {
			f.Section("profile a").Key("region").SetValue("new")
			f.Section("profile b").Key("region").SetValue("b")
			f.Section("profile a").Key("k").SetValue("single")
			return nil
		})
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if f, err := ini.Load(path); err != nil || f.Section("profile a").Key("k").String() != "single" {
			t.Errorf("%q: k not rewritten: %v", in, err)
		}
		c, err := session.LoadConfig(path)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		a, _ := c.Profile("a")
		b, _ := c.Profile("b")
		if a == nil || b == nil || a.Region != "new" || b.Region != "b" {
			got, _ := os.ReadFile(path)
			t.Errorf("%q became %q", in, got)
		}
	}
}

func TestUpdateConfigNoChangeAndErrors(t *testing.T) {
	path := writeTemp(t, "config", configFile)
	if err := session.UpdateConfig(path, func(f *ini.File) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".kagi-backup"); !errors.Is(err, os.ErrNotExist) {
		t.Error("a no-op edit wrote a backup")
	}
	boom := errors.New("boom")
	if err := session.UpdateConfig(path, func(f *ini.File) error { f.DeleteSection("default"); return boom }); err != boom {
		t.Errorf("err = %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != configFile {
		t.Error("file changed after a failed edit")
	}
	bad := writeTemp(t, "config", "[x\n")
	checkOneLine(t, session.UpdateConfig(bad, func(*ini.File) error { return nil }), "not a valid AWS config file")
}

func TestUpdateConfigFollowsSymlink(t *testing.T) {
	target := writeTemp(t, "real-config", "[default]\nregion = a\n")
	link := filepath.Join(t.TempDir(), "config")
	if err := os.Symlink(target, link); err != nil {
		t.Skip(err)
	}
	if err := session.UpdateConfig(link, func(f *ini.File) error { f.Section("default").Key("region").SetValue("b"); return nil }); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("link replaced: %v %v", fi.Mode(), err)
	}
	if got, _ := os.ReadFile(target); string(got) != "[default]\nregion = b\n" {
		t.Errorf("target = %q", got)
	}
}

// Whatever the file holds, an edit either fails cleanly or gives a file that says what the edit made.
func FuzzUpdateConfig(f *testing.F) {
	f.Add([]byte(configFile))
	f.Add([]byte(credsFile))
	f.Add([]byte("\xef\xbb\xbf[profile a]\r\nk = \"\"\"x\ny\"\"\"\r\ns3 =\r\n  a = b\r\n"))
	// ini.v1 would write this back as `00 = """`, which it cannot read: UpdateConfig must refuse.
	f.Add([]byte("#0\n00= \"\"\""))
	// One file per fuzz process: its iterations run one at a time.
	path := filepath.Join(f.TempDir(), "config")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		err := session.UpdateConfig(path, func(f *ini.File) error {
			f.Section("profile a").Key("region").SetValue("r1")
			f.DeleteSection("profile b")
			return nil
		})
		if err != nil {
			return
		}
		c, err := session.LoadConfig(path)
		if err != nil {
			t.Fatalf("edited file does not parse: %v", err)
		}
		if p, err := c.Profile("a"); err == nil && p.Region != "r1" {
			t.Fatalf("region %q", p.Region)
		}
		if _, err := c.Profile("b"); err == nil && strings.Contains(string(data), "[profile b]") {
			got, _ := os.ReadFile(path)
			t.Fatalf("profile b survived: %q", got)
		}
	})
}
