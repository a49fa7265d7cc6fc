package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"gopkg.in/ini.v1"
)

// The readers FuzzExport holds export's output to: real shells and Python's configparser (slow: only when
// the corpus is replayed), kagi's own INI reader, and a strict model of the AWS CLI's.

// availableShells are the POSIX shells on this machine that users eval `kagi export` in.
func availableShells() []string {
	var found []string
	for _, sh := range []string{"sh", "bash", "zsh"} {
		if path, err := exec.LookPath(sh); err == nil {
			found = append(found, path)
		}
	}
	return found
}

// evalInShell runs eval "$(kagi export …)" in shell with an environment free of AWS variables and returns
// the AWS_* and KAGI_* variables the shell then exports.
func evalInShell(t *testing.T, shell, text string) map[string]string {
	t.Helper()
	cmd := exec.Command(shell, "-c", `eval "$(cat)" && exec env -0`)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C"}
	cmd.Stdin = strings.NewReader(text)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s could not eval the env output %q: %v: %s", shell, text, err, stderr.String())
	}
	vars := map[string]string{}
	for _, kv := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "KAGI_") {
			vars[k] = v
		}
	}
	return vars
}

// readINIStrict reads one credentials-file section the way the AWS CLI's configparser does, and fails on
// anything readers treat differently: control characters (configparser splits lines at \r, others do not),
// brackets or comment characters in names and values (inline comments: kagi's and the SDKs' readers), white
// space at either end (stripped by some readers, kept by others), and a section named DEFAULT (configparser's
// defaults, not a profile).
func readINIStrict(text string) (string, map[string]string, error) {
	if !utf8.ValidString(text) || !strings.HasSuffix(text, "\n") {
		return "", nil, errors.New("not UTF-8 text ending in a line break")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for _, l := range lines {
		if strings.ContainsFunc(l, unicode.IsControl) {
			return "", nil, errors.New("control character in a line")
		}
	}
	name, ok := strings.CutPrefix(lines[0], "[")
	if name, ok = strings.CutSuffix(name, "]"); !ok || name == "" || strings.ContainsAny(name, "[]#;") {
		return "", nil, errors.New("not a [section] line")
	}
	if name == "DEFAULT" || strings.TrimFunc(name, unicode.IsSpace) != name {
		return "", nil, errors.New("section name readers disagree on")
	}
	vals := map[string]string{}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, "=")
		k, v = strings.TrimFunc(k, unicode.IsSpace), strings.TrimFunc(v, unicode.IsSpace)
		if _, dup := vals[k]; !ok || k == "" || dup || strings.ContainsAny(v, "[]#;") {
			return "", nil, errors.New("not a key = value line")
		}
		vals[k] = v
	}
	return name, vals, nil
}

// readINIKagi reads the one section with keys as kagi reads credentials files (session's iniOptions).
func readINIKagi(text string) (string, map[string]string, error) {
	f, err := ini.LoadSources(ini.LoadOptions{AllowNestedValues: true, SpaceBeforeInlineComment: true}, []byte(text))
	if err != nil {
		return "", nil, err
	}
	var name string
	var vals map[string]string
	for _, s := range f.Sections() {
		if len(s.Keys()) == 0 {
			continue
		}
		if vals != nil {
			return "", nil, errors.New("more than one section")
		}
		name, vals = s.Name(), s.KeysHash()
	}
	return name, vals, nil
}

// pythonConfigparser prints every section as botocore's raw_config_parse reads it (RawConfigParser).
const pythonConfigparser = `import configparser, json, sys
cp = configparser.RawConfigParser()
cp.read_string(sys.stdin.read())
print(json.dumps({s: dict(cp.items(s)) for s in cp.sections()}))`

// hasPython says whether python3 is installed; without it the ini output is not checked against configparser.
func hasPython() bool {
	_, err := exec.LookPath("python3")
	return err == nil
}

// readINIPython reads text with Python's configparser, the AWS CLI's reader, and returns profile's keys.
func readINIPython(t *testing.T, text, profile string) (map[string]string, error) {
	t.Helper()
	cmd := exec.Command("python3", "-c", pythonConfigparser)
	cmd.Env = append(os.Environ(), "PYTHONUTF8=1", "PYTHONIOENCODING=utf-8")
	cmd.Stdin = strings.NewReader(text)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, errors.New(stderr.String())
	}
	var sections map[string]map[string]string
	if err := json.Unmarshal(out, &sections); err != nil {
		return nil, err
	}
	vals, ok := sections[profile]
	if !ok || len(sections) != 1 {
		return nil, errors.New("configparser found sections " + string(out))
	}
	return vals, nil
}
