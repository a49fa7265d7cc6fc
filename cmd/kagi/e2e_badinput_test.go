//go:build linux

package main_test

// The bad-input catalogue (issue 6), end to end: one table (eeCatalogue, in e2e_catalogue_*_test.go) of bad
// input and failures across every command family, each run as the real binary against a real `kagi demo
// serve` in a world of its own. Every row must end with the documented exit code (1 error, 2 usage, 130
// interrupted), nothing on stdout, exactly one error line on stderr ("kagi: " + one actionable sentence, with
// no terminal control characters and no secret), and nothing lost: the config and credentials files keep
// their bytes, the keyring keeps its long-term keys (same key IDs) and its cached sessions.

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// eeBadCase is one row of the catalogue.
type eeBadCase struct {
	name    string
	config  string // config template; "" = eeStdConfig
	key     string // where the source profile's long-term key is: "keyring" (default), "file", "bogus" (a key AWS does not know), "none"
	backend string // keyring backend of the world: "keyctl" (default) or "file"
	env     []string
	// args after the binary; nil = credential-process {admin}. Run as `kagi ARGS`, and as
	// `kagi-credential-process ARGS[1:]` too when ARGS starts with credential-process, unless once is set:
	// for cases that send a code from mfa_process, as kagi never sends a code again within 90 s and a second
	// run would wait for the next one.
	args         []string
	stdin        string      // fed on a pipe: prompts must never read it
	tty          []eeTTYStep // run under a pseudo-terminal, typing these steps (implies once)
	once         bool
	ownServer    bool                                          // spends an MFA code or injects faults: needs an endpoint of its own
	before       func(t *testing.T, r *eeBadRun)               // runs first, after the world is set up
	code         int                                           // 1 unless set
	want         []string                                      // substrings of the error line
	progress     bool                                          // lines before the error line are allowed (progress, a diff)
	stdout       bool                                          // stdout may hold output (kagi doctor prints its checklist)
	dropsSession bool                                          // the case may remove cached sessions (one AWS rejected)
	after        func(t *testing.T, r *eeBadRun, res eeResult) // further checks, after the "nothing lost" check
}

// eeBadRun is one case's world, the extra environment of its runs and its placeholders.
type eeBadRun struct {
	w    *eeWorld
	env  []string
	vars map[string]string // placeholder → value, beyond those of eeWorld.expand
}

// expand fills in the case's placeholders, then the world's.
func (r *eeBadRun) expand(s string) string {
	var pairs []string
	for k, v := range r.vars {
		pairs = append(pairs, k, v)
	}
	return r.w.expand(strings.NewReplacer(pairs...).Replace(s))
}

func (r *eeBadRun) expandAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = r.expand(s)
	}
	return out
}

// kagi runs kagi in the world with the case's environment; it must succeed.
func (r *eeBadRun) kagi(t *testing.T, args ...string) eeResult {
	t.Helper()
	res := r.w.run(r.env, "kagi", r.expandAll(args)...)
	if res.code != 0 {
		t.Fatalf("setup: %s", res)
	}
	return res
}

// eeScripts are mfa_process commands the rows use, written to the world's root.
var eeScripts = map[string]string{
	"fail.sh": "#!/bin/sh\necho 'junk 12 from a broken token tool'\nexit 3\n",
	"junk.sh": "#!/bin/sh\necho 'no code here'\n",
	// the demo's virtual authenticator: the code at the endpoint's clock, which a row may move
	"democode.sh": "#!/bin/sh\nexec kagi demo code 2>/dev/null\n",
}

func eeBadInput(t *testing.T, s *eeSuite) {
	s.need(t, "keyctl")
	cases := eeCatalogue()
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("two rows named %s", c.name)
		}
		seen[c.name] = true
	}
	if len(cases) < 25 {
		t.Fatalf("the catalogue has %d rows, want at least 25", len(cases))
	}
	shared := s.serve(t) // for rows that spend no MFA code and inject no fault
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			info := shared
			if c.ownServer {
				info = s.serve(t)
			}
			eeRunBadCase(t, s, info, c)
		})
	}
}

func eeRunBadCase(t *testing.T, s *eeSuite, info *eeServeInfo, c eeBadCase) {
	backend := cmp.Or(c.backend, "keyctl")
	var extra []string
	if backend == "file" {
		extra = []string{"KAGI_FILE_PASSPHRASE=catalogue passphrase"}
	}
	w := s.world(t, info, backend, extra...)
	for name, body := range eeScripts {
		if err := os.WriteFile(filepath.Join(w.root, name), []byte(body), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	w.writeConfig(eeStdConfig) // kagi add needs a config it can read
	switch c.key {
	case "", "keyring":
		w.putKey()
	case "file":
		w.writeCreds()
	case "bogus":
		body := "[" + w.dev + "]\naws_access_key_id = AKIAEEUNKNOWNKEY0000\naws_secret_access_key = " + strings.Repeat("x", 40) + "\n"
		if err := os.WriteFile(w.creds, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if c.config != "" {
		w.writeConfig(c.config)
	}
	r := &eeBadRun{w: w, vars: map[string]string{"{long}": strings.Repeat("x", 20000)}}
	if c.before != nil {
		c.before(t, r)
	}
	r.env = append(r.env, c.env...)
	before := w.belongings()
	if (c.key == "" || c.key == "keyring") && before.keys[w.dev] == "" {
		t.Fatalf("long-term keys in the keyring: %v, want one for %s", before.keys, w.dev)
	}

	args := c.args
	if args == nil {
		args = []string{"credential-process", "{admin}"}
	}
	args = r.expandAll(args)
	runs := [][]string{append([]string{"kagi"}, args...)}
	if !c.once && c.tty == nil && args[0] == "credential-process" {
		runs = append(runs, append([]string{"kagi-credential-process"}, args[1:]...))
	}
	var last eeResult
	for _, argv := range runs {
		var res eeResult
		screen := ""
		if c.tty != nil {
			steps := slices.Clone(c.tty)
			for i := range steps {
				steps[i].expect, steps[i].send = r.expand(steps[i].expect), r.expand(steps[i].send)
			}
			res, screen = w.runTTY(r.env, r.expand(c.stdin), steps, argv[0], argv[1:]...)
		} else {
			res = w.runStdin(r.env, r.expand(c.stdin), argv[0], argv[1:]...)
		}
		line := eeCheckFailure(t, c, res, info)
		for _, want := range r.expandAll(c.want) {
			if !strings.Contains(strings.ToLower(line), strings.ToLower(want)) {
				t.Errorf("%s: %q does not say %q", eeShort(strings.Join(argv, " ")), line, want)
			}
		}
		t.Logf("%s (%v): exit %d: %s", eeShort(strings.Join(argv, " ")), res.elapsed.Round(time.Millisecond), res.code, line)
		if screen != "" {
			t.Logf("terminal: %q", eeShort(screen))
		}
		last = res
	}
	w.checkKept(before, w.belongings(), c.dropsSession)
	if c.after != nil && !t.Failed() {
		c.after(t, r, last)
	}
}

// eeCheckFailure checks how a row's run ended and returns its error line.
func eeCheckFailure(t *testing.T, c eeBadCase, r eeResult, info *eeServeInfo) string {
	t.Helper()
	code := cmp.Or(c.code, 1)
	tail := 1
	if code == 2 {
		tail = 2
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if r.code != code {
		t.Errorf("exit %d, want %d\n%s", r.code, code, r)
	}
	if !c.stdout && r.stdout != "" {
		t.Errorf("stdout not empty\n%s", r)
	}
	if !strings.HasSuffix(r.stderr, "\n") || len(lines) < tail || (!c.progress && len(lines) != tail) {
		t.Errorf("stderr is not %d line(s)\n%s", tail, r)
		return ""
	}
	line := lines[len(lines)-tail]
	switch {
	case !strings.HasPrefix(line, "kagi: "):
		t.Errorf("the error line does not start with \"kagi: \"\n%s", r)
	case code == 2 && lines[len(lines)-1] != "Run 'kagi --help' for usage.":
		t.Errorf("second line of a usage error: %q\n%s", lines[len(lines)-1], r)
	case code == 130 && line != "kagi: aborted.":
		t.Errorf("an interrupted run says %q, want \"kagi: aborted.\"\n%s", line, r)
	case utf8.RuneCountInString(line) > 400:
		t.Errorf("the error line is %d characters long; one sentence should not echo whole inputs", utf8.RuneCountInString(line))
	}
	for _, l := range lines[:len(lines)-tail] {
		if strings.HasPrefix(l, "kagi: ") {
			t.Errorf("two error lines\n%s", r)
		}
	}
	if strings.ContainsFunc(r.stderr, func(c rune) bool { return unicode.IsControl(c) && c != '\n' }) {
		t.Errorf("stderr holds control characters (terminal escapes): %q", eeShort(r.stderr))
	}
	if strings.Contains(r.stderr+r.stdout, info.SecretAccessKey) {
		t.Errorf("the output holds the long-term secret key")
	}
	return line
}

// runStdin runs name in the world (no controlling terminal) with stdin fed on a pipe.
func (w *eeWorld) runStdin(extraEnv []string, stdin, name string, args ...string) eeResult {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := w.command(ctx, extraEnv, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	r, err := eeExec(cmd)
	if err != nil {
		w.t.Fatalf("%v\n%s", err, r)
	}
	return r
}

// eeShort keeps logs readable when a row feeds a very long input.
func eeShort(s string) string {
	if len(s) <= 600 {
		return s
	}
	return s[:300] + "…(" + strconv.Itoa(len(s)-400) + " bytes)…" + s[len(s)-100:]
}
