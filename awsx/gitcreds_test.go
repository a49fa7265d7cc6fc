package awsx_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
)

// selfEndpoint starts localaws behind an httptest server whose responses' Date headers are moved by
// dateShift. The endpoint clock is frozen at seedAt while the scenario is seeded (so the user, its key and
// its MFA device are that old), then at now. cfg signs with the user's long-term key.
func selfEndpoint(t *testing.T, scenario string, seedAt time.Time, dateShift time.Duration) (*localaws.Server, *localaws.Seeded, awsx.Config) {
	t.Helper()
	srv := localaws.New(localaws.Options{})
	// 5 s into a TOTP step, so that a test's codes stay in one step; keys are usable from their creation on.
	frozen := time.Now().Truncate(30 * time.Second).Add(5 * time.Second)
	if seedAt.After(frozen) {
		seedAt = frozen
	}
	srv.Clock().Set(seedAt)
	seeded, err := srv.Seed(scenario)
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Set(frozen)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if dateShift != 0 {
			w = &shiftedDate{ResponseWriter: w, shift: dateShift}
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	cfg, err := awsx.Resolve(awsx.Settings{EndpointURL: ts.URL}, mapEnv(map[string]string{
		"HOME": t.TempDir(), "AWS_ACCESS_KEY_ID": seeded.AccessKeyID, "AWS_SECRET_ACCESS_KEY": seeded.SecretAccessKey,
	}))
	if err != nil {
		t.Fatal(err)
	}
	cfg.RetryMaxAttempts = 1
	return srv, seeded, cfg
}

// shiftedDate rewrites the Date header as the response is written: a server whose clock is off.
type shiftedDate struct {
	http.ResponseWriter
	shift time.Duration
}

func (s *shiftedDate) WriteHeader(code int) {
	if d, err := http.ParseTime(s.Header().Get("Date")); err == nil {
		s.Header().Set("Date", d.Add(s.shift).Format(http.TimeFormat))
	}
	s.ResponseWriter.WriteHeader(code)
}

// mfaSession returns cfg signing with an MFA session of the onboarded user (GetSessionToken with a code).
func mfaSession(t *testing.T, srv *localaws.Server, seeded *localaws.Seeded, cfg awsx.Config) awsx.Config {
	t.Helper()
	out, err := cfg.STS().GetSessionToken(context.Background(), &sts.GetSessionTokenInput{
		SerialNumber: aws.String(seeded.MFASerial), TokenCode: aws.String(localaws.CodeAt(seeded.MFASecret, srv.Clock().Now())),
	})
	if err != nil {
		t.Fatalf("GetSessionToken: %v", err)
	}
	c := out.Credentials
	return cfg.WithCredentials(credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken), "mfa session")
}

func TestGitCredentialsLifecycle(t *testing.T) {
	ctx := context.Background()
	srv, seeded, cfg := selfEndpoint(t, localaws.ScenarioOnboarded, time.Now(), 0)

	// Before MFA the forced-MFA policy denies every Git credential call.
	if _, err := awsx.ListGitCredentials(ctx, cfg.IAM(), ""); awsx.Classify(err) != awsx.ClassAccessDenied {
		t.Fatalf("list with the long-term key: class %v (%v)", awsx.Classify(err), err)
	}

	api := mfaSession(t, srv, seeded, cfg).IAM()
	list := func() []awsx.GitCredential {
		t.Helper()
		got, err := awsx.ListGitCredentials(ctx, api, "")
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		return got
	}
	if got := list(); got == nil || len(got) != 0 {
		t.Fatalf("a new user lists %#v, want an empty list", got)
	}
	if _, err := awsx.CreateGitCredential(ctx, api, ""); err == nil {
		t.Fatal("create without a user name succeeded")
	}

	first, err := awsx.CreateGitCredential(ctx, api, seeded.UserName)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if first.ID == "" || first.UserName != "alice-at-000000000000" || first.Status != "Active" || len(first.Password) < 20 ||
		time.Since(first.Created) > time.Minute {
		t.Fatalf("created %+v", first)
	}
	got := list()
	if len(got) != 1 || got[0] != first.GitCredential {
		t.Fatalf("list = %+v, want %+v", got, first.GitCredential)
	}

	reset, err := awsx.ResetGitCredential(ctx, api, "", first.ID)
	if err != nil || reset.ID != first.ID || reset.Password == "" || reset.Password == first.Password || reset.UserName != first.UserName {
		t.Fatalf("reset: %+v %v", reset, err)
	}

	if err := awsx.SetGitCredentialStatus(ctx, api, "", first.ID, false); err != nil {
		t.Fatalf("deactivate: %v", err)
	}
	if got := list(); got[0].Status != "Inactive" {
		t.Fatalf("after deactivate: %+v", got)
	}
	if err := awsx.SetGitCredentialStatus(ctx, api, "", first.ID, true); err != nil {
		t.Fatalf("activate: %v", err)
	}
	if got := list(); got[0].Status != "Active" {
		t.Fatalf("after activate: %+v", got)
	}

	// Two per service; the third is refused with kagi's sentence, and errors.Is names the limit.
	second, err := awsx.CreateGitCredential(ctx, api, seeded.UserName)
	if err != nil {
		t.Fatalf("second create: %v", err)
	}
	_, err = awsx.CreateGitCredential(ctx, api, seeded.UserName)
	if !errors.Is(err, awsx.ErrGitCredentialLimit) {
		t.Fatalf("third create: %v", err)
	}
	msg := awsx.Humanize(err)
	if !strings.HasPrefix(msg, "You already have 2 CodeCommit Git credentials") || !strings.Contains(msg, "delete one") ||
		!strings.Contains(msg, "reset the password") || strings.Count(msg, ".") != 1 || !strings.HasSuffix(msg, ".") {
		t.Fatalf("limit sentence %q", msg)
	}
	if cause := err.(interface{ Cause() error }).Cause(); !errors.As(cause, new(*types.LimitExceededException)) {
		t.Fatalf("cause %v", cause)
	}

	if err := awsx.DeleteGitCredential(ctx, api, "", first.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if got := list(); len(got) != 1 || got[0].ID != second.ID {
		t.Fatalf("after delete: %+v", got)
	}
	for name, err := range map[string]error{
		"delete again": awsx.DeleteGitCredential(ctx, api, "", first.ID),
		"reset gone":   func() error { _, err := awsx.ResetGitCredential(ctx, api, "", first.ID); return err }(),
		"status gone":  awsx.SetGitCredentialStatus(ctx, api, "", first.ID, true),
	} {
		if awsx.Classify(err) != awsx.ClassNoSuchEntity || !strings.Contains(err.Error(), first.ID) {
			t.Errorf("%s: class %v (%v)", name, awsx.Classify(err), err)
		}
	}
}
