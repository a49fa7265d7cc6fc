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
	m := gitcreds.New(w.Ctx)
	if m.Init() != nil || !strings.Contains(m.View(), "MFA code") {
		t.Fatalf("the screen does not ask for the MFA code:\n%s", m.View())
	}
	w.Press(m, w.Code(), "enter")
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
func credentials(w *world) []awsx.GitCredential {
	w.T.Helper()
	ss, err := w.Ctx.Engine.SelfService(context.Background(), "demo")
	if err != nil {
		w.T.Fatal(err)
	}
	creds, err := awsx.ListGitCredentials(context.Background(), w.Ctx.IAM(ss).IAM(), "")
	if err != nil {
		w.T.Fatal(err)
	}
	return creds
}

// selectRow moves the cursor to the row showing text.
func selectRow(w *world, m *gitcreds.Model, text string) {
	w.T.Helper()
	w.Press(m, "up", "up")
	for range 3 {
		for _, l := range strings.Split(m.View(), "\n") {
			if strings.HasPrefix(l, "› ") && strings.Contains(l, text) {
				return
			}
		}
		w.Press(m, "down")
	}
	w.T.Fatalf("no row shows %q:\n%s", text, m.View())
}

func TestCreateShowsThePasswordOnceAndDropsItOnLeave(t *testing.T) {
	w := setup(t)
	m := open(t, w)
	w.Press(m, "n")
	pw := shownPassword(m)
	if pw == "" || !strings.Contains(flat(m.View()), "it is shown only once") {
		t.Fatalf("no password box after n:\n%s", m.View())
	}
	if v := flat(m.View()); !strings.Contains(v, "alice-at-000000000000") || !strings.Contains(v, "Active") {
		t.Fatalf("the new credential is not listed:\n%s", m.View())
	}
	if n := len(credentials(w)); n != 1 {
		t.Fatalf("%d credentials in IAM, want 1", n)
	}
	w.Press(m, "n", "d", "i") // nothing but "I copied it" applies while the password is shown
	if len(credentials(w)) != 1 || shownPassword(m) != pw {
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
	w.Press(m, "n")
	first := shownPassword(m)
	w.Press(m, "enter")
	if shownPassword(m) != "" || strings.Contains(fmt.Sprintf("%+v", *m), first) {
		t.Fatal("enter does not drop the password")
	}
	w.Press(m, "r")
	if v := flat(m.View()); !strings.Contains(v, "Reset the password of alice-at-000000000000") {
		t.Fatalf("no confirmation before a reset:\n%s", m.View())
	}
	w.Press(m, "y")
	if second := shownPassword(m); second == "" || second == first {
		t.Fatalf("reset shows no new password:\n%s", m.View())
	}
	w.Press(m, "enter", "i")
	id := session.MaskKeyID(credentials(w)[0].ID)
	if v := flat(m.View()); !strings.Contains(v, "✓ Deactivated alice-at-000000000000 ("+id+")") || !strings.Contains(v, id+" Inactive") {
		t.Fatalf("i does not deactivate:\n%s", m.View())
	}
	w.Press(m, "n", "enter", "n", "enter")
	if v := flat(m.View()); !strings.Contains(v, "✗ You already have 2 CodeCommit Git credentials, the most IAM allows per user") {
		t.Fatalf("the limit is not one sentence:\n%s", m.View())
	}
	selectRow(w, m, id)
	w.Press(m, "d")
	if v := flat(m.View()); !strings.Contains(v, "Delete alice-at-000000000000 ("+id+")? Git clients using it stop working") {
		t.Fatalf("no confirmation before deleting:\n%s", m.View())
	}
	w.Press(m, "n") // cancel: nothing deleted
	if len(credentials(w)) != 2 {
		t.Fatal("n deleted the credential")
	}
	w.Press(m, "d", "y")
	if creds := credentials(w); len(creds) != 1 || session.MaskKeyID(creds[0].ID) == id {
		t.Fatalf("d y did not delete %s: %+v", id, creds)
	}
	if v := flat(m.View()); !strings.Contains(v, "✓ Deleted alice-at-000000000000 ("+id+")") {
		t.Fatalf("the deletion is not reported:\n%s", m.View())
	}
}

func TestGitCredentialsFlow(t *testing.T) {
	w := setup(t)
	tm := teatest.NewTestModel(t, harness{Screen: gitcreds.New(w.Ctx)}, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "MFA code")
	tm.Type(w.Code())
	tm.Send(enter())
	waitFor(t, tm, "press n to create one")
	tm.Type("n")
	waitFor(t, tm, "shown only once", "Active") // the box and the reloaded list
	tm.Send(enter())
	tm.Type("i")
	waitFor(t, tm, "Deactivated", "Inactive") // the notice and the reloaded list
	view := finalView(t, tm)
	id := session.MaskKeyID(credentials(w)[0].ID)
	teatest.RequireEqualOutput(t, []byte(strings.ReplaceAll(view, id, "ACCA…CRD1")))
}
