package session

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"gopkg.in/ini.v1"
)

// Credentials is the parsed shared credentials file (~/.aws/credentials).
type Credentials struct {
	Path     string
	sections map[string]map[string]string // section name -> lower-cased key -> value
}

// LoadCredentials reads the shared credentials file at path. A missing file is an empty one.
func LoadCredentials(path string) (*Credentials, error) {
	c := &Credentials{Path: path, sections: map[string]map[string]string{}}
	f, _, err := readINI(path)
	if err != nil || f == nil {
		return c, err
	}
	for _, sec := range f.Sections() {
		if sec.Name() != ini.DefaultSection {
			c.sections[sec.Name()] = sectionKeys(sec)
		}
	}
	return c, nil
}

// Key returns the long-term access key of [profile]. A section with aws_session_token holds temporary
// credentials, not a long-term key, and gives false.
func (c *Credentials) Key(profile string) (LongTermKey, bool) {
	if c == nil {
		return LongTermKey{}, false
	}
	s := c.sections[profile]
	k := LongTermKey{AccessKeyID: s["aws_access_key_id"], SecretAccessKey: s["aws_secret_access_key"]}
	if k.AccessKeyID == "" || k.SecretAccessKey == "" || s["aws_session_token"] != "" {
		return LongTermKey{}, false
	}
	return k, true
}

// Profiles returns the section names of the credentials file, sorted.
func (c *Credentials) Profiles() []string {
	if c == nil {
		return nil
	}
	names := make([]string, 0, len(c.sections))
	for n := range c.sections {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// credentialKeys are what RemoveCredentialsKeys deletes.
var credentialKeys = []string{"aws_access_key_id", "aws_secret_access_key", "aws_session_token"}

var errUnchanged = errors.New("unchanged")

// RemoveCredentialsKeys deletes aws_access_key_id, aws_secret_access_key and aws_session_token from
// [profile] in the credentials file at path, and the section if no key is left in it. Every other line
// stays byte for byte. The file is replaced atomically (0600) and, unlike UpdateConfig, without a backup:
// the only lines that change are the key's, and a backup would keep the plaintext secret on disk that
// `kagi import` exists to remove (the key is already verified in the keyring). A profile without those
// keys is left alone.
func RemoveCredentialsKeys(path, profile string) error {
	path = resolveLink(path)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot remove the keys of profile %s: %w", quote(profile), err)
	}
	out, _, exact, err := editINI(path, data, func(f *ini.File) error {
		sec, err := f.GetSection(profile)
		if err != nil || profile == "" {
			return fmt.Errorf("profile %s is not in %s; run 'kagi list' to see the profiles", quote(profile), path)
		}
		removed := false
		for _, k := range sec.KeyStrings() {
			for _, name := range credentialKeys {
				if strings.EqualFold(k, name) {
					sec.DeleteKey(k)
					removed = true
				}
			}
		}
		if !removed {
			return errUnchanged
		}
		if len(sec.Keys()) == 0 {
			f.DeleteSection(profile)
		}
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	if err != nil {
		return err
	}
	if !exact {
		return fmt.Errorf("%s: cannot remove the keys of profile %s without rewriting other lines; delete aws_access_key_id, aws_secret_access_key and aws_session_token from [%s] by hand", path, quote(profile), profile)
	}
	return replaceWithBackup(path, data, out, false)
}

// UpdateConfig applies edit to the parsed config file at path and writes it back atomically (0600), after
// saving the old content to path+".kagi-backup". Lines edit does not touch stay byte for byte; if that
// cannot be done, the file is written the way ini.v1 formats it. A missing file (and its directory, 0700)
// is created.
func UpdateConfig(path string, edit func(f *ini.File) error) error {
	path = resolveLink(path)
	data, err := os.ReadFile(path)
	existed := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cannot update %s: %w", path, err)
	}
	out, f, exact, err := editINI(path, data, edit)
	if errors.Is(err, errUnchanged) {
		return nil
	}
	if err != nil {
		return err
	}
	if !exact {
		var buf bytes.Buffer
		if _, err := f.WriteTo(&buf); err != nil {
			return fmt.Errorf("cannot update %s: %w", path, err)
		}
		out = buf.Bytes()
		if check, err := parseINI(path, out); err != nil || !maps.EqualFunc(snapshot(check), snapshot(f), maps.Equal) {
			return fmt.Errorf("cannot update %s: some of its values cannot be written back unchanged; simplify the quoted or multi-line values in it", path)
		}
	}
	if existed && bytes.Equal(out, data) {
		return nil
	}
	if !existed {
		if err := ensureDir(filepath.Dir(path)); err != nil {
			return fmt.Errorf("cannot create %s: %w", filepath.Dir(path), err)
		}
	}
	return replaceWithBackup(path, data, out, existed)
}

// resolveLink follows a symlink to the file it names, so a linked config (dotfile managers) stays linked.
func resolveLink(path string) string {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		return p
	}
	return path
}

func replaceWithBackup(path string, old, data []byte, backup bool) error {
	if backup {
		if err := WriteFileAtomic(path+".kagi-backup", old, 0o600); err != nil {
			return fmt.Errorf("cannot back up %s, left it unchanged: %w", path, err)
		}
	}
	return WriteFileAtomic(path, data, 0o600)
}

// Line kinds of an ini file, as ini.v1 reads them.
const (
	lineBlank = iota
	lineComment
	lineSection
	lineKey
	lineNested // an indented value under a key with an empty value (AllowNestedValues)
	lineOther
)

type iniLine struct {
	raw  string // with its line break
	kind int
	sec  string // the section the line is in (ini.DefaultSection before the first header)
	key  string // lineKey, lineNested: the key
}

// splitLines classifies the lines of data the way ini.v1's parser does.
func splitLines(data []byte) []iniLine {
	var lines []iniLine
	sec, lastKey, lastEmpty := ini.DefaultSection, "", false
	for i, rest := 0, string(data); rest != ""; i++ {
		raw, tail, found := strings.Cut(rest, "\n")
		if found {
			raw += "\n"
		}
		rest = tail
		text := raw
		if i == 0 {
			for _, bom := range []string{"\xef\xbb\xbf", "\xfe\xff", "\xff\xfe"} {
				text = strings.TrimPrefix(text, bom)
			}
		}
		l := iniLine{raw: raw, kind: lineOther, sec: sec}
		trimmed := strings.TrimLeftFunc(text, unicode.IsSpace)
		switch {
		case lastEmpty && text != "" && (text[0] == ' ' || text[0] == '\t'):
			l.kind, l.key = lineNested, lastKey
		case trimmed == "":
			l.kind = lineBlank
		case trimmed[0] == '#' || trimmed[0] == ';':
			l.kind = lineComment
		case trimmed[0] == '[':
			lastEmpty = false
			if end := strings.LastIndexByte(trimmed, ']'); end > 1 {
				sec = trimmed[1:end]
				l.kind, l.sec = lineSection, sec
			}
		default:
			f, err := ini.LoadSources(iniOptions, []byte(trimmed))
			if keys := sectionKeysOf(f, err); len(keys) == 1 {
				l.kind, l.key = lineKey, keys[0].Name()
				lastKey, lastEmpty = l.key, keys[0].Value() == ""
			}
		}
		lines = append(lines, l)
	}
	return lines
}

func sectionKeysOf(f *ini.File, err error) []*ini.Key {
	if err != nil || len(f.SectionStrings()) != 1 {
		return nil
	}
	return f.Section("").Keys()
}

// snapshot is what a parsed file says: section -> key -> value and nested values. An empty default
// section (keys before the first header) is left out.
func snapshot(f *ini.File) map[string]map[string]string {
	m := map[string]map[string]string{}
	for _, sec := range f.Sections() {
		if sec.Name() == ini.DefaultSection && len(sec.Keys()) == 0 {
			continue
		}
		keys := map[string]string{}
		for _, k := range sec.Keys() {
			keys[k.Name()] = strings.Join(append([]string{k.Value()}, k.NestedValues()...), "\x00")
		}
		m[sec.Name()] = keys
	}
	return m
}

// editINI applies edit to data and renders the result by editing data line by line: removed keys and
// sections go, changed keys are rewritten in place, new keys go after the last key of their section and
// new sections at the end. It also returns the edited file. exact is false when the result does not parse back to what edit made.
func editINI(path string, data []byte, edit func(f *ini.File) error) (out []byte, after *ini.File, exact bool, err error) {
	before, err := parseINI(path, data)
	if err != nil {
		return nil, nil, false, err
	}
	after, _ = parseINI(path, data)
	if err := edit(after); err != nil {
		return nil, nil, false, err
	}
	old, want := snapshot(before), snapshot(after)
	if maps.EqualFunc(old, want, maps.Equal) {
		return data, after, true, errUnchanged
	}
	lines := splitLines(data)
	eol := "\n"
	if i := bytes.IndexByte(data, '\n'); i > 0 && data[i-1] == '\r' {
		eol = "\r\n"
	}
	var b strings.Builder
	add := func(s string) {
		if cur := b.String(); cur != "" && !strings.HasSuffix(cur, "\n") {
			b.WriteString(eol)
		}
		b.WriteString(s)
	}
	addNewKeys := func(sec string) {
		for _, k := range after.Section(sec).Keys() {
			if _, ok := old[sec][k.Name()]; !ok {
				add(formatKey(k, eol))
			}
		}
	}
	last := map[string]int{ini.DefaultSection: -1} // where new keys of a section go: after this line
	for i, l := range lines {
		if l.kind == lineSection || l.kind == lineKey || l.kind == lineNested {
			last[l.sec] = i
		}
	}
	if _, ok := want[ini.DefaultSection]; ok && last[ini.DefaultSection] == -1 {
		addNewKeys(ini.DefaultSection)
	}
	for i, l := range lines {
		_, alive := want[l.sec]
		alive = alive || l.sec == ini.DefaultSection
		switch l.kind {
		case lineSection, lineBlank:
			if alive {
				add(l.raw)
			}
		case lineKey, lineNested:
			v, ok := want[l.sec][l.key]
			switch {
			case !alive || !ok:
			case v == old[l.sec][l.key]:
				add(l.raw)
			case l.kind == lineKey:
				add(formatKey(after.Section(l.sec).Key(l.key), eol))
			}
		default:
			add(l.raw)
		}
		if _, ok := want[l.sec]; ok && last[l.sec] == i {
			addNewKeys(l.sec)
		}
	}
	for _, sec := range after.Sections() {
		if _, ok := old[sec.Name()]; ok || sec.Name() == ini.DefaultSection {
			continue
		}
		if cur := b.String(); cur != "" && !strings.HasSuffix(cur, "\n\n") && !strings.HasSuffix(cur, "\n\r\n") {
			add(eol)
		}
		for _, c := range commentLines(sec.Comment) {
			add(c + eol)
		}
		add("[" + sec.Name() + "]" + eol)
		for _, k := range sec.Keys() {
			add(formatKey(k, eol))
		}
	}
	out = []byte(b.String())
	check, err := parseINI(path, out)
	return out, after, err == nil && maps.EqualFunc(snapshot(check), want, maps.Equal), nil
}

// formatKey writes a key as "name = value" (with its comment and nested values), quoting as ini.v1 does.
func formatKey(k *ini.Key, eol string) string {
	var b strings.Builder
	for _, c := range commentLines(k.Comment) {
		b.WriteString(c + eol)
	}
	name, val := k.Name(), k.Value()
	switch {
	case strings.ContainsAny(name, "\"=:"):
		name = "`" + name + "`"
	case strings.Contains(name, "`"):
		name = `"""` + name + `"""`
	}
	switch {
	case strings.ContainsAny(val, "\n`"):
		val = `"""` + val + `"""`
	case strings.ContainsAny(val, "#;"):
		val = "`" + val + "`"
	case strings.TrimSpace(val) != val:
		val = `"` + val + `"`
	}
	b.WriteString(name + " = " + val + eol)
	for _, n := range k.NestedValues() {
		b.WriteString("  " + n + eol)
	}
	return b.String()
}

func commentLines(comment string) []string {
	if comment == "" {
		return nil
	}
	lines := strings.Split(comment, "\n")
	for i, c := range lines {
		c = strings.TrimSpace(c)
		if c == "" || (c[0] != '#' && c[0] != ';') {
			c = "# " + c
		}
		lines[i] = c
	}
	return lines
}
