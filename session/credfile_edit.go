package session

import (
	"bytes"
	"maps"
	"strings"
	"unicode"

	"gopkg.in/ini.v1"
)

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
	raw    string // with its line break
	kind   int
	sec    string // the section the line is in (ini.DefaultSection before the first header)
	key    string // lineKey, lineNested: the key
	inline string // lineKey: the inline comment ini.v1 reads from the line ("# note"), if any
}

var byteOrderMarks = []string{"\xef\xbb\xbf", "\xfe\xff", "\xff\xfe"}

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
			for _, bom := range byteOrderMarks {
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
				l.kind, l.key, l.inline = lineKey, keys[0].Name(), keys[0].Comment
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
// sections go, changed keys are rewritten in place (keeping the line's layout and inline comment), new
// keys go after the last key of their section and new sections at the end. The file keeps its ending:
// its trailing blank lines stay last, a file without a final line break gets none, and a removal at the
// end takes the blank lines that separated the removed lines with it — so adding a section and
// removing it again gives the original bytes. It also returns the edited file. exact is false when the
// result does not parse back to what edit made.
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
	bom := ""
	for _, m := range byteOrderMarks {
		if bytes.HasPrefix(data, []byte(m)) {
			bom = m
			break
		}
	}
	body := data[len(bom):]
	lines := splitLines(body)
	end := len(lines) // lines[end:] are the blank lines that end the file
	for end > 0 && lines[end-1].kind == lineBlank {
		end--
	}
	w := &lineWriter{eol: lineEnd(data)}
	addNewKeys := func(sec string) {
		for _, k := range after.Section(sec).Keys() {
			if _, ok := old[sec][k.Name()]; !ok {
				w.add(formatKey(k, true, w.eol), false)
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
	for i, l := range lines[:end] {
		_, alive := want[l.sec]
		alive = alive || l.sec == ini.DefaultSection
		switch l.kind {
		case lineSection, lineBlank:
			if alive {
				w.add(l.raw, l.kind == lineBlank)
			}
		case lineKey, lineNested:
			v, ok := want[l.sec][l.key]
			switch {
			case !alive || !ok:
			case v == old[l.sec][l.key]:
				w.add(l.raw, false)
			case l.kind == lineKey:
				w.add(rewriteKey(l, after.Section(l.sec).Key(l.key), w.eol), false)
			}
		default:
			w.add(l.raw, false)
		}
		if _, ok := want[l.sec]; ok && last[l.sec] == i {
			addNewKeys(l.sec)
		}
	}
	// Blank lines left last here separated lines that were removed.
	w.dropTrailingBlanks()
	for _, sec := range after.Sections() {
		if _, ok := old[sec.Name()]; ok || sec.Name() == ini.DefaultSection {
			continue
		}
		if len(w.lines) > 0 {
			w.add(w.eol, true)
		}
		for _, c := range commentLines(sec.Comment) {
			w.add(c+w.eol, false)
		}
		w.add("["+sec.Name()+"]"+w.eol, false)
		for _, k := range sec.Keys() {
			w.add(formatKey(k, true, w.eol), false)
		}
	}
	for _, l := range lines[end:] {
		w.add(l.raw, true)
	}
	text := w.String()
	if end == len(lines) && len(body) > 0 && body[len(body)-1] != '\n' {
		text = strings.TrimSuffix(strings.TrimSuffix(text, "\n"), "\r")
	}
	out = []byte(bom + text)
	check, err := parseINI(path, out)
	return out, after, err == nil && maps.EqualFunc(snapshot(check), want, maps.Equal), nil
}

// lineWriter collects the output lines of editINI.
type lineWriter struct {
	eol   string
	lines []string
	blank []bool
}

// add appends s, first ending the previous line if it had no line break (the last line of a file).
func (w *lineWriter) add(s string, blank bool) {
	if n := len(w.lines); n > 0 && !strings.HasSuffix(w.lines[n-1], "\n") {
		w.lines[n-1] += w.eol
	}
	w.lines, w.blank = append(w.lines, s), append(w.blank, blank)
}

func (w *lineWriter) dropTrailingBlanks() {
	for len(w.lines) > 0 && w.blank[len(w.lines)-1] {
		w.lines, w.blank = w.lines[:len(w.lines)-1], w.blank[:len(w.blank)-1]
	}
}

func (w *lineWriter) String() string { return strings.Join(w.lines, "") }

// rewriteKey writes line l with k's new value. ini.v1 gives a key the comment lines above it as its
// Comment, and those lines stay in the file, so the comment is not written again; the line keeps its
// indentation, its spacing around the delimiter and its inline comment where that reads back the same.
func rewriteKey(l iniLine, k *ini.Key, eol string) string {
	if len(k.NestedValues()) == 0 {
		if line, ok := keepLayout(l, k.Value()); ok {
			return line
		}
	}
	return formatKey(k, false, eol)
}

// keepLayout replaces the value of the key line l by value, leaving the rest of the line as it was. It
// fails when the name is quoted or the result would not read back as exactly that key and value.
func keepLayout(l iniLine, value string) (string, bool) {
	text := strings.TrimRight(l.raw, "\r\n")
	brk := l.raw[len(text):]
	name := len(text) - len(strings.TrimLeftFunc(text, unicode.IsSpace))
	if !strings.HasPrefix(text[name:], l.key) {
		return "", false
	}
	skipBlank := func(i int) int {
		for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
			i++
		}
		return i
	}
	at := skipBlank(name + len(l.key))
	if at == len(text) || text[at] != '=' && text[at] != ':' {
		return "", false
	}
	at = skipBlank(at + 1)
	suffix := ""
	if l.inline != "" {
		c := strings.LastIndex(text[at:], l.inline)
		if c < 0 {
			return "", false
		}
		c += at
		for c > at && (text[c-1] == ' ' || text[c-1] == '\t') {
			c--
		}
		suffix = text[c:]
	}
	line := text[:at] + quoteValue(value) + suffix
	f, err := ini.LoadSources(iniOptions, []byte(line))
	keys := sectionKeysOf(f, err)
	if len(keys) != 1 || keys[0].Name() != l.key || keys[0].Value() != value || len(keys[0].NestedValues()) != 0 {
		return "", false
	}
	return line + brk, true
}

// formatKey writes a key as "name = value" (with its nested values and, if asked, its comment), quoting
// as ini.v1 does.
func formatKey(k *ini.Key, withComment bool, eol string) string {
	var b strings.Builder
	if withComment {
		for _, c := range commentLines(k.Comment) {
			b.WriteString(c + eol)
		}
	}
	name := k.Name()
	switch {
	case strings.ContainsAny(name, "\"=:"):
		name = "`" + name + "`"
	case strings.Contains(name, "`"):
		name = `"""` + name + `"""`
	}
	b.WriteString(name + " = " + quoteValue(k.Value()) + eol)
	for _, n := range k.NestedValues() {
		b.WriteString("  " + n + eol)
	}
	return b.String()
}

func quoteValue(val string) string {
	switch {
	case strings.ContainsAny(val, "\n`"):
		return `"""` + val + `"""`
	case strings.ContainsAny(val, "#;"):
		return "`" + val + "`"
	case strings.TrimSpace(val) != val:
		return `"` + val + `"`
	}
	return val
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
