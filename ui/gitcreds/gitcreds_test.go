package gitcreds_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/teatest"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/gitcreds"
)

// open starts the screen, types the MFA code and waits for the (empty) list.
func open(t *testing.T, w *world) *gitcreds.Model {
	t.Helper()
	m := gitcreds.New(w.ctx)
	if m.Init() != nil || !strings.Contains(m.View(), "MFA code") {
		t.Fatalf("the screen does not ask for the MFA code:\n%s", m.View())
	}
	w.press(m, w.code(), "enter")
	if v := flat(m.View()); !strings.Contains(v, "You have no CodeCommit Git credentials") {
		t.Fatalf("no list after the code:\n%s", m.View())
	}
	return m
}

var passwordRE = regexp.MustCompile(`Password\s+(\S{40,})`)

// shownPassword is the password in the view's box, "" if none.
func shownPassword(m *gitcreds.Model) string {
	if p := passwordRE.FindStringSubmatch(m.View()); p != nil {
		return p[1]
	}
	return ""
}

// credentials lists the user's Git credentials outside the screen.
func (w *world) credentials() []awsx.GitCredential {
	w.t.Helper()
	ss, err := w.ctx.Engine.SelfService(context.Background(), "demo")
	if err != nil {
		w.t.Fatal(err)
	}
	creds, err := awsx.ListGitCredentials(context.Background(), w.ctx.IAM(ss).IAM(), "")
	if err != nil {
		w.t.Fatal(err)
	}
	return creds
}

// selectRow moves the cursor to the row showing text.
func (w *world) selectRow(m *gitcreds.Model, text string) {
	w.t.Helper()
	w.press(m, "up", "up")
	for range 3 {
		for _, l := range strings.Split(m.View(), "\n") {
			if strings.HasPrefix(l, "› ") && strings.Contains(l, text) {
				return
			}
		}
		w.press(m, "down")
	}
	w.t.Fatalf("no row shows %q:\n%s", text, m.View())
}

func TestCreateShowsThePasswordOnceAndDropsItOnLeave(t *testing.T) {
	w := setup(t)
	m := open(t, w)
	w.press(m, "n")
	pw := shownPassword(m)
	if pw == "" || !strings.Contains(flat(m.View()), "it is shown only once") {
		t.Fatalf("no password box after n:\n%s", m.View())
	}
	if v := flat(m.View()); !strings.Contains(v, "alice-at-000000000000") || !strings.Contains(v, "Active") {
		t.Fatalf("the new credential is not listed:\n%s", m.View())
	}
	if n := len(w.credentials()); n != 1 {
		t.Fatalf("%d credentials in IAM, want 1", n)
	}
	w.press(m, "n", "d", "i") // nothing but "I copied it" applies while the password is shown
	if len(w.credentials()) != 1 || shownPassword(m) != pw {
		t.Fatal("an action ran while the password box was up")
	}
	m.Update(common.BackMsg{})
	if strings.Contains(m.View(), pw) || strings.Contains(fmt.Sprintf("%+v", *m), pw) {
		t.Fatal("the Git password is still in the model after leaving")
	}
}

func TestResetToggleDeleteAndLimit(t *testing.T) {
	w := setup(t)
	m := open(t, w)
	w.press(m, "n")
	first := shownPassword(m)
	w.press(m, "enter")
	if shownPassword(m) != "" || strings.Contains(fmt.Sprintf("%+v", *m), first) {
		t.Fatal("enter does not drop the password")
	}
	w.press(m, "r")
	if v := flat(m.View()); !strings.Contains(v, "Reset the password of alice-at-000000000000") {
		t.Fatalf("no confirmation before a reset:\n%s", m.View())
	}
	w.press(m, "y")
	if second := shownPassword(m); second == "" || second == first {
		t.Fatalf("reset shows no new password:\n%s", m.View())
	}
	w.press(m, "enter", "i")
	id := session.MaskKeyID(w.credentials()[0].ID)
	if v := flat(m.View()); !strings.Contains(v, "✓ Deactivated alice-at-000000000000 ("+id+")") || !strings.Contains(v, id+" Inactive") {
		t.Fatalf("i does not deactivate:\n%s", m.View())
	}
	w.press(m, "n", "enter", "n", "enter")
	if v := flat(m.View()); !strings.Contains(v, "✗ You already have 2 CodeCommit Git credentials, the most IAM allows per user") {
		t.Fatalf("the limit is not one sentence:\n%s", m.View())
	}
	w.selectRow(m, id)
	w.press(m, "d")
	if v := flat(m.View()); !strings.Contains(v, "Delete alice-at-000000000000 ("+id+")? Git clients using it stop working") {
		t.Fatalf("no confirmation before deleting:\n%s", m.View())
	}
	w.press(m, "n") // cancel: nothing deleted
	if len(w.credentials()) != 2 {
		t.Fatal("n deleted the credential")
	}
	w.press(m, "d", "y")
	if creds := w.credentials(); len(creds) != 1 || session.MaskKeyID(creds[0].ID) == id {
		t.Fatalf("d y did not delete %s: %+v", id, creds)
	}
	if v := flat(m.View()); !strings.Contains(v, "✓ Deleted alice-at-000000000000 ("+id+")") {
		t.Fatalf("the deletion is not reported:\n%s", m.View())
	}
}

func TestGitCredentialsFlow(t *testing.T) {
	w := setup(t)
	tm := teatest.NewTestModel(t, harness{gitcreds.New(w.ctx)}, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "MFA code")
	tm.Type(w.code())
	tm.Send(enter())
	waitFor(t, tm, "press n to create one")
	tm.Type("n")
	waitFor(t, tm, "shown only once", "Active") // the box and the reloaded list
	tm.Send(enter())
	tm.Type("i")
	waitFor(t, tm, "Deactivated", "Inactive") // the notice and the reloaded list
	view := finalView(t, tm)
	id := session.MaskKeyID(w.credentials()[0].ID)
	teatest.RequireEqualOutput(t, []byte(strings.ReplaceAll(view, id, "ACCA…CRD1")))
}
