package main

import (
	"encoding/json"
	"strings"
	"testing"
)

type gcListJSON struct {
	Service     string           `json:"service"`
	Credentials []map[string]any `json:"credentials"`
}

func gcList(t *testing.T, w *kpWorld) gcListJSON {
	t.Helper()
	r := w.run("git-credentials", "list", "--profile", "dev", "--json")
	var l gcListJSON
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &l) != nil || l.Service != "codecommit.amazonaws.com" {
		t.Fatalf("list --json: %+v", r)
	}
	for _, c := range l.Credentials {
		if _, ok := c["password"]; ok {
			t.Fatalf("list shows a password: %v", c)
		}
	}
	return l
}

func TestGitCredentialsCLI(t *testing.T) {
	w := kpSetup(t)
	w.addDev()

	// The first call opens the MFA session; later ones use the cached one.
	r := w.run("git-credentials", "list", "--profile", "dev", "--mfa-token", w.code())
	if r.code != exitOK || r.stdout != "" || !strings.Contains(r.stderr, "no CodeCommit Git credentials; create one with 'kagi git-credentials create'") {
		t.Fatalf("empty list: %+v", r)
	}
	if l := gcList(t, w); l.Credentials == nil || len(l.Credentials) != 0 {
		t.Fatalf("empty list --json: %+v", l)
	}

	// create: the password goes to the terminal only.
	ctx, tty := kpWithTTY("")
	r = w.runCtx(ctx, "git-credentials", "create", "--profile", "dev")
	out := tty.written()
	if r.code != exitOK || r.stdout != "" || r.stderr != "" || !strings.Contains(out, "Created Git credential ACCA") ||
		!strings.Contains(out, "User name: alice-at-000000000000") || !strings.Contains(out, "Password:  ") || !strings.Contains(out, "only this once") {
		t.Fatalf("create: %+v, terminal %q", r, out)
	}
	l := gcList(t, w)
	if len(l.Credentials) != 1 || l.Credentials[0]["status"] != "Active" || l.Credentials[0]["user_name"] != "alice-at-000000000000" || l.Credentials[0]["created"] == "" {
		t.Fatalf("list after create: %+v", l)
	}
	first := l.Credentials[0]["id"].(string)
	if !strings.Contains(out, first) {
		t.Fatalf("terminal %q does not name %s", out, first)
	}
	r = w.run("git-credentials", "list", "--profile", "dev")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "ID ") || !strings.Contains(r.stdout, first) || !strings.Contains(r.stdout, "Active") {
		t.Fatalf("list table: %+v", r)
	}

	// create --json: for scripts, the password on stdout.
	r = w.runCtx(kpNoTTY(), "git-credentials", "create", "--profile", "dev", "--json")
	var created map[string]any
	if r.code != exitOK || r.stderr != "" || json.Unmarshal([]byte(r.stdout), &created) != nil {
		t.Fatalf("create --json: %+v", r)
	}
	for _, k := range []string{"id", "user_name", "status", "created", "password"} {
		if s, _ := created[k].(string); s == "" {
			t.Errorf("create --json lacks %s: %s", k, r.stdout)
		}
	}
	second := created["id"].(string)

	// The third is refused with one sentence saying what to do.
	r = w.runCtx(kpNoTTY(), "git-credentials", "create", "--profile", "dev")
	if r.code != exitError || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 ||
		!strings.HasPrefix(r.stderr, "kagi: You already have 2 CodeCommit Git credentials") || !strings.Contains(r.stderr, "delete one") {
		t.Fatalf("third create: %+v", r)
	}

	// reset without a terminal: the new password on stderr, never stdout.
	r = w.runCtx(kpNoTTY(), "git-credentials", "reset", first, "--profile", "dev")
	if r.code != exitOK || r.stdout != "" || !strings.Contains(r.stderr, "Reset Git credential "+first) || !strings.Contains(r.stderr, "Password:  ") {
		t.Fatalf("reset: %+v", r)
	}
	r = w.run("git-credentials", "reset", first, "--profile", "dev", "--json")
	var reset map[string]any
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &reset) != nil || reset["id"] != first || reset["password"] == "" {
		t.Fatalf("reset --json: %+v", r)
	}

	if r = w.run("git-credentials", "deactivate", second, "--profile", "dev"); r.code != exitOK || r.stderr != "Deactivated Git credential "+second+".\n" {
		t.Fatalf("deactivate: %+v", r)
	}
	statuses := map[string]any{}
	for _, c := range gcList(t, w).Credentials {
		statuses[c["id"].(string)] = c["status"]
	}
	if statuses[first] != "Active" || statuses[second] != "Inactive" {
		t.Fatalf("after deactivate: %v", statuses)
	}
	if r = w.run("git-credentials", "activate", second, "--profile", "dev"); r.code != exitOK || r.stderr != "Activated Git credential "+second+".\n" {
		t.Fatalf("activate: %+v", r)
	}

	// delete asks first; without a terminal it needs --yes.
	r = w.runCtx(kpNoTTY(), "git-credentials", "delete", first, "--profile", "dev")
	if r.code != exitError || !strings.Contains(r.stderr, "No terminal to confirm on; run 'kagi git-credentials delete "+first+" --yes'") {
		t.Fatalf("delete without a terminal: %+v", r)
	}
	ctx, tty = kpWithTTY("n\n")
	if r = w.runCtx(ctx, "git-credentials", "delete", first, "--profile", "dev"); r.code != exitError || !strings.Contains(r.stderr, "Kept Git credential "+first) ||
		!strings.Contains(tty.written(), "Delete Git credential "+first+"?") {
		t.Fatalf("delete answered no: %+v %q", r, tty.written())
	}
	ctx, _ = kpWithTTY("y\n")
	if r = w.runCtx(ctx, "git-credentials", "delete", first, "--profile", "dev"); r.code != exitOK || r.stderr != "Deleted Git credential "+first+".\n" {
		t.Fatalf("delete: %+v", r)
	}
	if r = w.run("git-credentials", "delete", second, "--profile", "dev", "--yes"); r.code != exitOK {
		t.Fatalf("delete --yes: %+v", r)
	}
	if l := gcList(t, w); len(l.Credentials) != 0 {
		t.Fatalf("after deletes: %+v", l)
	}
	r = w.run("git-credentials", "reset", first, "--profile", "dev")
	if r.code != exitError || !strings.Contains(r.stderr, "does not exist") {
		t.Fatalf("reset a deleted credential: %+v", r)
	}
	for _, args := range [][]string{{"git-credentials", "reset"}, {"git-credentials", "delete", " ", "--yes"}, {"git-credentials", "list", "extra"}} {
		if r := w.run(args...); r.code != exitUsage {
			t.Errorf("kagi %q: %+v", args, r)
		}
	}
}

func TestGitCredentialsCLIWithoutMFA(t *testing.T) {
	w := kpSetup(t)
	// No mfa_serial and none recorded: kagi signs with the long-term key, which the forced-MFA policy denies.
	kpWrite(t, w.config, "[profile dev]\nregion = us-east-1\n")
	w.addDev()
	r := w.run("git-credentials", "list", "--profile", "dev")
	if r.code != exitError || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 ||
		!strings.Contains(r.stderr, "denied without MFA") || !strings.Contains(r.stderr, "kagi mfa register") || !strings.Contains(r.stderr, "[profile dev]") {
		t.Fatalf("list without MFA: %+v", r)
	}
}
