package gitcreds_test

import (
	"strings"
	"testing"

	"github.com/kagi-cli/kagi/awsx/localaws"
)

// TestPasswordStaysWhenTheReloadFails: IAM shows a new Git password once. If listing the credentials again
// after creating it fails, the failed view must still show the password (and enter must still mean "I copied
// it"), or the user loses it.
func TestPasswordStaysWhenTheReloadFails(t *testing.T) {
	w := setup(t)
	m := open(t, w)
	w.Srv.InjectFault("ListServiceSpecificCredentials", localaws.Fault{Code: "ValidationError", Status: 400, Message: "listing is broken for this test"})
	w.Press(m, "n")
	w.Srv.ClearFaults()
	pw := shownPassword(m)
	if pw == "" || !strings.Contains(flat(m.View()), "✗ AWS rejected a value in the request as invalid") {
		t.Fatalf("after a failed reload the new password or the error is not shown:\n%s", m.View())
	}
	if len(credentials(w)) != 1 {
		t.Fatal("the credential was not created")
	}
	w.Press(m, "r") // try the list again: the password box stays until enter
	if shownPassword(m) != pw || !strings.Contains(flat(m.View()), "alice-at-000000000000") {
		t.Fatalf("after r the list or the password is missing:\n%s", m.View())
	}
	w.Press(m, "enter")
	if shownPassword(m) != "" {
		t.Fatalf("enter does not drop the password:\n%s", m.View())
	}
}
