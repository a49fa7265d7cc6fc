package accesskeys_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/accesskeys"
	"github.com/kagi-cli/kagi/ui/common"
)

// open starts the screen, types the MFA code and waits for the table.
func open(t *testing.T, w *world) *accesskeys.Model {
	t.Helper()
	m := accesskeys.New(w.Ctx)
	if m.Init() != nil || !strings.Contains(flat(m.View()), "MFA code") {
		t.Fatalf("the screen does not ask for the MFA code:\n%s", m.View())
	}
	w.Press(m, w.Code(), "enter")
	if v := m.View(); !strings.Contains(flat(v), "kagi's key") || !strings.Contains(flat(v), "u: look up") {
		t.Fatalf("no table after the code:\n%s", v)
	}
	return m
}

// storedKey is the key kagi stores for demo now.
func storedKey(w *world) session.LongTermKey {
	w.T.Helper()
	k, err := w.Ctx.Engine.Store.Key("demo")
	if err != nil {
		w.T.Fatal(err)
	}
	return k
}

// checkRotated proves the rotation: kagi stores a new key that AWS accepts, and the user has at most 2 keys.
func checkRotated(w *world, wantKeys int) session.LongTermKey {
	w.T.Helper()
	k := storedKey(w)
	if k.AccessKeyID == w.Seeded.AccessKeyID {
		w.T.Fatal("kagi still stores the old key")
	}
	sts := w.Cfg.WithCredentials(credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, ""), "test").STS()
	if _, err := awsx.WaitUsable(context.Background(), sts, 5*time.Second); err != nil {
		w.T.Fatalf("the stored key does not work: %v", err)
	}
	ss, err := w.Ctx.Engine.SelfService(context.Background(), "demo")
	if err != nil {
		w.T.Fatal(err)
	}
	keys, err := awsx.ListKeys(context.Background(), w.Ctx.IAM(ss).IAM(), "")
	if err != nil || len(keys) != wantKeys {
		w.T.Fatalf("%d keys (%v) after the rotation, want %d", len(keys), err, wantKeys)
	}
	return k
}

// masked replaces the random key IDs in a view with stable names, for goldens.
func masked(w *world, view string, ids map[string]string) string {
	for id, name := range ids {
		view = strings.ReplaceAll(view, session.MaskKeyID(id), name)
	}
	return view
}

func TestRotateDeletesTheOldKeyWhenConfirmed(t *testing.T) {
	w := setup(t)
	m := open(t, w)
	w.Press(m, "r")
	if v := m.View(); !strings.Contains(flat(v), "1. Create a new access key") || !strings.Contains(flat(v), "y to rotate") {
		t.Fatalf("no explanation before rotating:\n%s", v)
	}
	seen := w.Press(m, "y")
	if v := m.View(); !strings.Contains(flat(v), "✓ Make it the key kagi signs with") || !strings.Contains(flat(v), "Delete the old key "+session.MaskKeyID(w.Seeded.AccessKeyID)+" now?") {
		t.Fatalf("the rotation does not ask before deleting the old key:\n%s", v)
	}
	if !m.Busy() {
		t.Error("not busy while Rotate waits for the answer: Esc would leave a rotation half done")
	}
	seen = append(seen, w.Press(m, "y")...)
	v := m.View()
	if !strings.Contains(flat(v), "✓ Rotated: kagi signs with") || !strings.Contains(flat(v), "is deleted") {
		t.Fatalf("no result after the rotation:\n%s", v)
	}
	if !hasMsg[common.RefreshMsg](seen) {
		t.Error("no RefreshMsg after the rotation")
	}
	k := checkRotated(w, 1)
	if !strings.Contains(flat(v), session.MaskKeyID(k.AccessKeyID)+" Active") {
		t.Fatalf("the table does not show the new key as kagi's:\n%s", v)
	}
	// The new secret: shown once on request, then gone from the model.
	w.Press(m, "x")
	if !strings.Contains(flat(m.View()), k.SecretAccessKey) {
		t.Fatalf("x does not show the new secret:\n%s", m.View())
	}
	w.Press(m, "x")
	if strings.Contains(flat(m.View()), k.SecretAccessKey) || strings.Contains(fmt.Sprintf("%+v", *m), k.SecretAccessKey) {
		t.Fatal("the secret is still in the model after hiding it")
	}
	w.Press(m, "x")
	if strings.Contains(flat(m.View()), k.SecretAccessKey) {
		t.Fatal("the secret was shown twice")
	}
}

// selectedRow is the table row under the cursor.
func selectedRow(m *accesskeys.Model) string {
	for _, l := range strings.Split(m.View(), "\n") {
		if strings.HasPrefix(l, "› ") {
			return l
		}
	}
	return ""
}

func hasMsg[T any](msgs []tea.Msg) bool {
	for _, m := range msgs {
		if _, ok := m.(T); ok {
			return true
		}
	}
	return false
}

func TestTwoKeysNeedCleanupFirst(t *testing.T) {
	w := setup(t)
	other, _, err := w.Srv.CreateAccessKeyFor("alice")
	if err != nil {
		t.Fatal(err)
	}
	m := open(t, w)
	if !strings.Contains(selectedRow(m), "kagi's key") {
		w.Press(m, "down")
	}
	w.Press(m, "d")
	if strings.Contains(flat(m.View()), "Delete access key") {
		t.Fatal("d offered to delete kagi's own key")
	}
	w.Press(m, "r", "y")
	v := m.View()
	if !strings.Contains(flat(v), "already has 2 access keys") || !strings.Contains(flat(v), "delete "+session.MaskKeyID(other)+" (active) with d") {
		t.Fatalf("NeedsCleanup not explained:\n%s", v)
	}
	if !strings.Contains(flat(v), "› "+session.MaskKeyID(other)) {
		t.Fatalf("the cursor is not on the key to delete:\n%s", v)
	}
	w.Press(m, "i") // deactivate it first, as a careful user would
	if v := m.View(); !strings.Contains(flat(v), "✓ Deactivated "+session.MaskKeyID(other)) || !strings.Contains(flat(v), session.MaskKeyID(other)+" Inactive") {
		t.Fatalf("i does not deactivate the other key:\n%s", v)
	}
	w.Press(m, "d")
	if v := m.View(); !strings.Contains(flat(v), "Delete access key "+session.MaskKeyID(other)+"? It is inactive") {
		t.Fatalf("no confirmation before deleting:\n%s", v)
	}
	w.Press(m, "y")
	if v := m.View(); strings.Contains(flat(v), session.MaskKeyID(other)+" ") || strings.Contains(flat(v), "already has 2") {
		t.Fatalf("the other key is still listed:\n%s", v)
	}
	// Now the rotation goes through; keeping the old key leaves two keys, one inactive.
	w.Press(m, "r", "y", "n")
	if v := m.View(); !strings.Contains(flat(v), "is inactive.") || !strings.Contains(flat(v), "kagi keys delete") {
		t.Fatalf("keeping the old key is not reported:\n%s", v)
	}
	checkRotated(w, 2)
}

func TestOldKeysAreFlagged(t *testing.T) {
	w := setup(t)
	w.Ctx.Now = func() time.Time { return frozen.Add(120 * 24 * time.Hour) }
	tm := teatest.NewTestModel(t, harness{Screen: accesskeys.New(w.Ctx)}, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "MFA code")
	tm.Type(w.Code())
	tm.Send(enter())
	waitFor(t, tm, "kagi's key")
	view := finalView(t, tm)
	if !strings.Contains(flat(view), "120 days ⚠") {
		t.Fatalf("a 120-day-old key is not flagged:\n%s", view)
	}
	teatest.RequireEqualOutput(t, []byte(masked(w, view, map[string]string{w.Seeded.AccessKeyID: "AKIA…OLD1"})))
}

func TestRotateFlow(t *testing.T) {
	w := setup(t)
	tm := teatest.NewTestModel(t, harness{Screen: accesskeys.New(w.Ctx)}, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "MFA code")
	tm.Type(w.Code())
	tm.Send(enter())
	waitFor(t, tm, "kagi's key")
	tm.Type("r")
	waitFor(t, tm, "Press y to rotate")
	tm.Type("y")
	waitFor(t, tm, "now? It is inactive")
	tm.Type("y")
	waitFor(t, tm, "press x to see it once", "kagi signs with this key, so") // the hint: once the list has loaded
	view := finalView(t, tm)
	k := checkRotated(w, 1)
	teatest.RequireEqualOutput(t, []byte(masked(w, view, map[string]string{w.Seeded.AccessKeyID: "AKIA…OLD1", k.AccessKeyID: "AKIA…NEW1"})))
}

// Last use is looked up only when asked: the fixture policy denies iam:GetAccessKeyLastUsed, and listing keys
// must not leave an AccessDenied in CloudTrail each time. Asked, the denial is shown and asked once for all keys.
func TestLastUsedOnlyOnRequest(t *testing.T) {
	w := setup(t)
	if _, _, err := w.Srv.CreateAccessKeyFor("alice"); err != nil {
		t.Fatal(err)
	}
	m := open(t, w)
	if n := w.Srv.Calls().Calls["GetAccessKeyLastUsed"]; n != 0 {
		t.Fatalf("listing called GetAccessKeyLastUsed %d times", n)
	}
	w.Expected["GetAccessKeyLastUsed:AccessDenied"] = true
	w.Press(m, "u")
	if v := flat(m.View()); strings.Contains(v, "u: look up") || strings.Count(v, "not permitted") != 2 {
		t.Fatalf("after u, both keys should say not permitted:\n%s", m.View())
	}
	if n := w.Srv.Calls().Calls["GetAccessKeyLastUsed"]; n != 1 {
		t.Fatalf("GetAccessKeyLastUsed called %d times, want 1 (a denial holds for every key)", n)
	}
	w.Press(m, "u") // no longer offered
	if n := w.Srv.Calls().Calls["GetAccessKeyLastUsed"]; n != 1 {
		t.Fatalf("u asked again: %d calls", n)
	}
}
