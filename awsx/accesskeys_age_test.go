package awsx_test

import (
	"context"
	"testing"
	"time"

	"github.com/kagi-cli/kagi/awsx"
)

// Key ages follow the caller's clock (here the endpoint's, moved like `kagi demo` can), not the wall clock.
func TestListKeysAgeByCallerClock(t *testing.T) {
	srv, seeded, _, mfa := keysEndpoint(t, 0)
	srv.Clock().Advance(-100 * 24 * time.Hour)
	old, _, err := srv.CreateAccessKeyFor(seeded.UserName)
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(100*24*time.Hour + 11*time.Hour) // 11 hours ahead of the wall clock; the MFA session lasts 12
	keys, err := awsx.ListKeys(context.Background(), mfa.IAM(), "")
	if err != nil || len(keys) != 2 || keys[0].ID != old {
		t.Fatalf("keys = %+v, %v", keys, err)
	}
	now := srv.Clock().Now()
	if got, want := keys[0].AgeAt(now), now.Sub(keys[0].Created); got != want {
		t.Errorf("age of the old key = %v, want %v by the caller's clock", got.Round(time.Hour), want)
	}
}
