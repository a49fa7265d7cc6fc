package session

import (
	"slices"
	"testing"
)

// TestEnvironFoldsNamesOnWindows: Windows compares variable names without case, so a stale "aws_profile"
// or "Aws_Session_Token" in the parent would still select credentials there, and "Path" and "PATH" are one
// variable. Elsewhere case matters and nothing is folded.
func TestEnvironFoldsNamesOnWindows(t *testing.T) {
	base := []string{"Path=C:\\\\bin", "aws_profile=stale", "Aws_Session_Token=stale-token", "PATH=C:\\\\other", "HOME=h"}
	vars := map[string]string{"AWS_ACCESS_KEY_ID": "ASIA1", "aws_region": "eu-west-1"}
	got := environ(base, vars, true)
	want := []string{"AWS_ACCESS_KEY_ID=ASIA1", "HOME=h", "Path=C:\\\\bin", "aws_region=eu-west-1"}
	if !slices.Equal(got, want) {
		t.Fatalf("folded: got %q, want %q", got, want)
	}
	got = environ(base, vars, false)
	want = []string{"AWS_ACCESS_KEY_ID=ASIA1", "Aws_Session_Token=stale-token", "HOME=h", "PATH=C:\\\\other", "Path=C:\\\\bin", "aws_profile=stale", "aws_region=eu-west-1"}
	if !slices.Equal(got, want) {
		t.Fatalf("not folded: got %q, want %q", got, want)
	}
}
