package session

import (
	"bytes"
	"strings"
	"testing"

	"gopkg.in/ini.v1"
)

// Tests of the line editor itself (editINI): what a single edit does to the bytes around it.

func setKey(sec, key, val string) func(*ini.File) error {
	return func(f *ini.File) error { f.Section(sec).Key(key).SetValue(val); return nil }
}

func deleteKey(sec, key string) func(*ini.File) error {
	return func(f *ini.File) error { f.Section(sec).DeleteKey(key); return nil }
}

func deleteSection(sec string) func(*ini.File) error {
	return func(f *ini.File) error { f.DeleteSection(sec); return nil }
}

func mustEdit(t *testing.T, in string, edit func(*ini.File) error) string {
	t.Helper()
	out, _, exact, err := editINI("config", []byte(in), edit)
	if err != nil || !exact {
		t.Fatalf("editINI(%q): exact=%v err=%v", in, exact, err)
	}
	return string(out)
}

func TestEditINIRewritesInPlace(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		edit     func(*ini.File) error
		want     string
	}{
		{"comment above is not repeated", "[a]\n# the region\nregion = x\n", setKey("a", "region", "y"),
			"[a]\n# the region\nregion = y\n"},
		{"comment block and blank above", "[a]\n# one\n# two\n\nregion = x\nk = v\n", setKey("a", "region", "y"),
			"[a]\n# one\n# two\n\nregion = y\nk = v\n"},
		{"inline comment stays on its line", "[a]\nregion = x   # inline\n", setKey("a", "region", "y"),
			"[a]\nregion = y   # inline\n"},
		{"comment above and inline", "[a]\n# above\nregion = x ; note\n", setKey("a", "region", "y"),
			"[a]\n# above\nregion = y ; note\n"},
		{"spacing around = is kept", "[a]\nregion   =   x\nk=v\n", setKey("a", "region", "eu-west-1"),
			"[a]\nregion   =   eu-west-1\nk=v\n"},
		{"no spaces around =", "[a]\nAWS_ACCESS_KEY_ID=AKIAOLD\n", setKey("a", "AWS_ACCESS_KEY_ID", "AKIANEW"),
			"[a]\nAWS_ACCESS_KEY_ID=AKIANEW\n"},
		{"colon delimiter", "[a]\nregion: x\n", setKey("a", "region", "y"), "[a]\nregion: y\n"},
		{"indented key", "[a]\n  region = x\n", setKey("a", "region", "y"), "[a]\n  region = y\n"},
		{"value needing quotes", "[a]\nk = x # c\n", setKey("a", "k", "run # this"), "[a]\nk = `run # this` # c\n"},
		{"CRLF kept", "[a]\r\n# c\r\nregion = x\r\n", setKey("a", "region", "y"), "[a]\r\n# c\r\nregion = y\r\n"},
		{"CRLF new key", "[a]\r\nregion = x\r\n", setKey("a", "k", "v"), "[a]\r\nregion = x\r\nk = v\r\n"},
		{"CRLF new section", "[a]\r\nregion = x\r\n", setKey("b", "k", "v"), "[a]\r\nregion = x\r\n\r\n[b]\r\nk = v\r\n"},
		{"no final newline: rewrite", "[a]\nregion = x", setKey("a", "region", "y"), "[a]\nregion = y"},
		{"no final newline: new key", "[a]\nregion = x", setKey("a", "k", "v"), "[a]\nregion = x\nk = v"},
		{"no final newline: new section", "[a]\nregion = x", setKey("b", "k", "v"), "[a]\nregion = x\n\n[b]\nk = v"},
		{"new section before trailing blank lines", "[a]\nregion = x\n\n\n", setKey("b", "k", "v"),
			"[a]\nregion = x\n\n[b]\nk = v\n\n\n"},
		{"removing the last section leaves no blank line", "[a]\nk = v\n\n[b]\nx = 1\n", deleteSection("b"), "[a]\nk = v\n"},
		{"removing the last key of the file", "[a]\nk = v\n\nx = 1\n", deleteKey("a", "x"), "[a]\nk = v\n"},
		{"removing a middle section", "[a]\nk = v\n\n[b]\nx = 1\n\n[c]\ny = 2\n", deleteSection("b"), "[a]\nk = v\n\n[c]\ny = 2\n"},
		{"trailing blank lines survive a removal", "[a]\nk = v\n\n[b]\nx = 1\n\n", deleteSection("b"), "[a]\nk = v\n\n"},
		{"BOM stays first", "\xef\xbb\xbf[a]\nk = v\n", setKey("b", "k", "v"), "\xef\xbb\xbf[a]\nk = v\n\n[b]\nk = v\n"},
		{"BOM only", "\xef\xbb\xbf", setKey("b", "k", "v"), "\xef\xbb\xbf[b]\nk = v\n"},
		// ini.v1 merges a repeated section (the AWS CLI refuses the file): every block is edited alike
		// and no third block is made.
		{"duplicate sections: set", "[a]\nk = 1\n[b]\n[a]\nk = 2\n", setKey("a", "k", "3"), "[a]\nk = 3\n[b]\n[a]\nk = 3\n"},
		{"duplicate sections: new key", "[a]\nk = 1\n[b]\n[a]\nj = 2\n", setKey("a", "n", "3"), "[a]\nk = 1\n[b]\n[a]\nj = 2\nn = 3\n"},
		{"duplicate sections: remove", "[a]\nk = 1\n\n[b]\nx = 1\n\n[a]\nk = 2\n", deleteSection("a"), "[b]\nx = 1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustEdit(t, tc.in, tc.edit); got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestEditINIRoundTrip(t *testing.T) {
	for _, in := range []string{
		"", "\n", "[a]\nk = v\n", "[a]\nk = v", "[a]\nk = v\n\n", "[a]\r\nk = v\r\n", "# only a comment\n",
		"\xef\xbb\xbf[a]\nk = v\n", "[a]\nk = v\n  \n", "[a]\nk = v\n\n\n", "top = 1\n",
		configFileForEdit,
	} {
		checkRoundTrip(t, []byte(in))
	}
}

const configFileForEdit = `# my AWS config
[default]
region=eu-west-1

# admin role
[profile admin]
role_arn   = arn:aws:iam::123456789012:role/admin   ; inline
[services local]
s3 =
  endpoint_url = http://localhost

; trailing comment
`

// checkRoundTrip adds a section and a key, removes them again, and wants the original bytes back.
// Files the line editor cannot edit exactly (the caller then refuses or falls back) are not its business.
func checkRoundTrip(t *testing.T, data []byte) {
	t.Helper()
	const sec = "profile kagi-round-trip"
	before, err := ini.LoadSources(iniOptions, data)
	if err != nil || before.HasSection(sec) {
		return
	}
	steps := []struct {
		name         string
		add, remove  func(*ini.File) error
		requireExact bool
	}{
		{"section", setKey(sec, "region", "r"), deleteSection(sec), true},
	}
	for _, s := range before.Sections() {
		if s.HasKey("kagi_round_trip") || len(s.Keys()) == 0 && s.Name() == ini.DefaultSection {
			continue
		}
		steps = append(steps, struct {
			name         string
			add, remove  func(*ini.File) error
			requireExact bool
		}{"key in [" + s.Name() + "]", setKey(s.Name(), "kagi_round_trip", "v"), deleteKey(s.Name(), "kagi_round_trip"), false})
	}
	for _, s := range steps {
		added, _, exact, err := editINI("config", data, s.add)
		if err != nil || !exact {
			if s.requireExact && err != nil {
				t.Fatalf("%s: adding to %q: %v", s.name, data, err)
			}
			continue
		}
		back, _, exact, err := editINI("config", added, s.remove)
		if err != nil || !exact {
			t.Fatalf("%s: removing from %q: exact=%v err=%v", s.name, added, exact, err)
		}
		if !bytes.Equal(back, data) {
			t.Fatalf("%s: round trip\n%q\nvia\n%q\ngave\n%q", s.name, data, added, back)
		}
	}
}

// Add then remove gives the original bytes, whatever they are.
func FuzzEditINIRoundTrip(f *testing.F) {
	for _, s := range []string{configFileForEdit, "[a]\nk = v", "[a]\r\nk = v\r\n\r\n", "\xef\xbb\xbf\n", "[a]\n# c\nk = v # i\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A file ending in a lone CR reads, once a line break follows it, as a CRLF line: the editor
		// cannot tell the two apart on the way back.
		if strings.Contains(string(data), "kagi") || bytes.HasSuffix(data, []byte("\r")) {
			return
		}
		checkRoundTrip(t, data)
	})
}
