package awsx_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
)

func TestConsoleSignInURLAgainstTheEndpoint(t *testing.T) {
	ctx := context.Background()
	srv, seeded, cfg := endpoint(t, localaws.ScenarioOnboarded)
	srv.Clock().Set(time.Now())
	out, err := cfg.STS().AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(seeded.Roles["iam-role-admin"]), RoleSessionName: aws.String("console"),
		SerialNumber: aws.String(seeded.MFASerial), TokenCode: aws.String(localaws.CodeAt(seeded.MFASecret, srv.Clock().Now())),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	creds := aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}
	fed := awsx.FederationURL(cfg.STSEndpoint + "/")
	signin, err := awsx.ConsoleSignInURL(ctx, http.DefaultClient, fed, creds, "", time.Hour)
	if err != nil {
		t.Fatalf("ConsoleSignInURL: %v", err)
	}
	u, err := url.Parse(signin)
	if err != nil || u.Query().Get("Action") != "login" || u.Query().Get("Destination") != awsx.DefaultConsoleDestination || u.Query().Get("SigninToken") == "" {
		t.Fatalf("sign-in URL %q", signin)
	}
	if strings.Contains(signin, creds.SecretAccessKey) || strings.Contains(signin, url.QueryEscape(creds.SessionToken)) {
		t.Fatal("the sign-in URL carries the session secret")
	}
	// The endpoint accepts the URL: it redirects to the console.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(signin)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != awsx.DefaultConsoleDestination {
		t.Fatalf("login answered %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	// GetSessionToken credentials are refused with a clear sentence, and so are long-term keys.
	st, err := cfg.STS().GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	sc := st.Credentials
	if _, err := awsx.ConsoleSignInURL(ctx, http.DefaultClient, fed, aws.Credentials{AccessKeyID: *sc.AccessKeyId, SecretAccessKey: *sc.SecretAccessKey, SessionToken: *sc.SessionToken}, "", 0); err == nil || !strings.Contains(err.Error(), "only role sessions") {
		t.Fatalf("session-token credentials: %v", err)
	}
	if _, err := awsx.ConsoleSignInURL(ctx, http.DefaultClient, fed, aws.Credentials{AccessKeyID: "AKIA", SecretAccessKey: "x"}, "", 0); err == nil {
		t.Fatal("long-term keys accepted")
	}
	for _, real := range []string{"", "https://sts.eu-west-1.amazonaws.com", "https://vpce-0abc.sts.us-east-1.vpce.amazonaws.com/"} {
		if got := awsx.FederationURL(real); got != awsx.DefaultFederationURL {
			t.Errorf("FederationURL(%q) = %q", real, got)
		}
	}
}
