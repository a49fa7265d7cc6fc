package main

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestListJSON(t *testing.T) {
	w := kpSetup(t)
	kpWrite(t, w.creds, "[old]\naws_access_key_id = AKIAOLDOLDOLDOLDOLD1\naws_secret_access_key = oldoldoldoldoldoldoldoldoldoldoldoldold1\n")
	w.addDev()
	if r := w.run("assume", "admin", "--mfa-token", w.code()); r.code != exitOK {
		t.Fatalf("assume: %+v", r)
	}
	r := w.run("list", "--json")
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("list --json: %+v", r)
	}
	var raw struct {
		KeyringBackend  string           `json:"keyring_backend"`
		ConfigFile      string           `json:"config_file"`
		CredentialsFile string           `json:"credentials_file"`
		Profiles        []map[string]any `json:"profiles"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatalf("list --json is not JSON: %v\n%s", err, r.stdout)
	}
	if raw.KeyringBackend != "file" || raw.ConfigFile != w.config || raw.CredentialsFile != w.creds || len(raw.Profiles) != 3 {
		t.Fatalf("list --json: %s", r.stdout)
	}
	byName := map[string]map[string]any{}
	for _, p := range raw.Profiles {
		var fields []string
		for k := range p {
			fields = append(fields, k)
		}
		sort.Strings(fields)
		if got := strings.Join(fields, ","); got != "in_config,key,kind,mfa_serial,name,plaintext,role_arn,sessions,source_profile" {
			t.Errorf("profile fields %s", got)
		}
		byName[p["name"].(string)] = p
	}
	check := func(name, field string, want any) {
		t.Helper()
		if got := byName[name][field]; got != want {
			t.Errorf("%s.%s = %v, want %v", name, field, got, want)
		}
	}
	check("admin", "kind", "role")
	check("admin", "role_arn", w.seeded.Roles["iam-role-admin"])
	check("admin", "source_profile", "dev")
	check("admin", "key", "")
	check("dev", "kind", "source")
	check("dev", "key", "keyring")
	check("dev", "mfa_serial", w.seeded.MFASerial)
	check("dev", "plaintext", false)
	check("dev", "in_config", true)
	check("old", "key", "credentials_file")
	check("old", "plaintext", true)
	check("old", "in_config", false)
	for name, kind := range map[string]string{"admin": "role", "dev": "session"} {
		sessions := byName[name]["sessions"].([]any)
		if len(sessions) != 1 {
			t.Fatalf("%s sessions: %v", name, sessions)
		}
		s := sessions[0].(map[string]any)
		exp, err := time.Parse(time.RFC3339, s["expires"].(string))
		left := s["seconds_left"].(float64)
		if s["kind"] != kind || err != nil || exp.Before(time.Now()) || left <= 0 || left > 12*3600 {
			t.Errorf("%s session %v", name, s)
		}
	}
	if got := byName["old"]["sessions"].([]any); len(got) != 0 {
		t.Errorf("old sessions: %v", got)
	}
	if strings.Contains(r.stdout, w.seeded.SecretAccessKey) || strings.Contains(r.stdout, "oldoldold") || strings.Contains(r.stdout, "AKIA") {
		t.Fatal("list --json shows a key")
	}
}

func TestListText(t *testing.T) {
	w := kpSetup(t)
	kpWrite(t, w.creds, "[old]\naws_access_key_id = AKIAOLDOLDOLDOLDOLD1\naws_secret_access_key = oldoldoldoldoldoldoldoldoldoldoldoldold1\n")
	w.addDev()
	if r := w.run("assume", "admin", "--mfa-token", w.code()); r.code != exitOK {
		t.Fatalf("assume: %+v", r)
	}
	r := w.run("list")
	if r.code != exitOK {
		t.Fatalf("list: %+v", r)
	}
	t.Logf("kagi list:\n%s%s", r.stdout, r.stderr)
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	want := []*regexp.Regexp{
		regexp.MustCompile(`^PROFILE +KIND +KEY/SOURCE +ROLE +CACHED$`),
		regexp.MustCompile(`^admin +role +dev +iam-role-admin +(59|60)m left \(until \d\d:\d\d\)$`),
		regexp.MustCompile(`^dev +source +keyring +- +1[12]h\d\dm left \(until (\w+ \d+ )?\d\d:\d\d\)$`),
		regexp.MustCompile(`^old +source +credentials file\* +- +-$`),
	}
	if len(lines) != len(want) {
		t.Fatalf("list:\n%s", r.stdout)
	}
	for i, re := range want {
		if !re.MatchString(lines[i]) || len(lines[i]) > 80 {
			t.Errorf("line %d %q does not match %s (or is wider than 80)", i, lines[i], re)
		}
	}
	if r.stderr != "* plaintext key in "+w.creds+": move it into the keyring with 'kagi import old'.\n" {
		t.Errorf("list hints: %q", r.stderr)
	}
}

func TestListEmptyAndErrors(t *testing.T) {
	w := kpSetup(t)
	kpWrite(t, w.config, "")
	r := w.run("list")
	if r.code != exitOK || r.stdout != "" || !strings.Contains(r.stderr, "No profiles") {
		t.Fatalf("list with nothing: %+v", r)
	}
	if r := w.run("list", "--json"); r.code != exitOK || !strings.Contains(r.stdout, `"profiles": []`) {
		t.Fatalf("list --json with nothing: %+v", r)
	}
	kpWrite(t, w.config, "[profile bad]\nrole_arn = nope\nsource_profile = dev\n")
	r = w.run("list")
	if r.code != exitOK || !regexp.MustCompile(`(?m)^bad +invalid +- +- +-$`).MatchString(r.stdout) || !strings.Contains(r.stderr, "is not an IAM role ARN") {
		t.Fatalf("list with an invalid profile: %+v", r)
	}
	kpWrite(t, w.config, "[profile dev\n")
	kpWantError(t, w, w.snapshot(), w.run("list"), exitError, "is not a valid AWS config file")
}

func TestKeysClear(t *testing.T) {
	w := kpSetup(t)
	w.addDev()
	if r := w.run("credential-process", "admin", "--mfa-token", w.code()); r.code != exitOK {
		t.Fatalf("credential-process: %+v", r)
	}
	if r := w.run("credential-process", "admin"); r.code != exitOK { // cached: no MFA, no call
		t.Fatalf("credential-process (cached): %+v", r)
	}
	if c := w.srv.Calls().Calls; c["GetSessionToken"] != 1 || c["AssumeRole"] != 1 {
		t.Fatalf("calls before clear: %v", c)
	}

	r := w.run("clear", "admin")
	if r.code != exitOK || r.stdout != "" || r.stderr != "Removed 1 cached session of profile admin from the keyring (file).\n" {
		t.Fatalf("clear admin: %+v", r)
	}
	r = w.run("clear")
	if r.code != exitOK || r.stderr != "Removed 1 cached session from the keyring (file).\n" {
		t.Fatalf("clear: %+v", r)
	}
	if s := w.snapshot(); !s.hasKey || s.entries != 0 {
		t.Fatalf("after clear: %+v", s)
	}
	kpWantError(t, w, w.snapshot(), w.run("clear", "a", "b"), exitUsage, "accepts at most 1 arg")

	// The key is still there; the session is not: kagi needs MFA (and STS) again.
	if r := w.run("credential-process", "admin", "--mfa-token", w.next()); r.code != exitOK {
		t.Fatalf("credential-process after clear: %+v", r)
	}
	if c := w.srv.Calls().Calls; c["GetSessionToken"] != 2 || c["AssumeRole"] != 2 {
		t.Fatalf("calls after clear: %v", c)
	}
}
