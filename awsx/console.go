package awsx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// DefaultFederationURL is the AWS console federation endpoint (aws partition).
const DefaultFederationURL = "https://signin.aws.amazon.com/federation"

// DefaultConsoleDestination is where the sign-in URL lands.
const DefaultConsoleDestination = "https://console.aws.amazon.com/"

// FederationURL is the federation endpoint for an STS endpoint override: "<endpoint>/federation" when kagi
// talks to an AWS-compatible endpoint (kagi demo serve), else AWS's — also when the override is a real AWS
// endpoint (a regional or VPC STS endpoint), which has no federation path.
func FederationURL(endpoint string) string {
	if endpoint == "" || isAWSHost(endpoint) {
		return DefaultFederationURL
	}
	return strings.TrimRight(endpoint, "/") + "/federation"
}

// ConsoleSignInURL exchanges role session credentials for a sign-in token at the federation endpoint and
// returns the console login URL. sessionDuration 0 leaves the console session at the federation default;
// AWS refuses it for role-chained credentials.
func ConsoleSignInURL(ctx context.Context, client *http.Client, federation string, creds aws.Credentials, destination string, sessionDuration time.Duration) (string, error) {
	if creds.SessionToken == "" {
		return "", errors.New("the console needs temporary role credentials; long-term keys cannot sign in")
	}
	session, err := json.Marshal(map[string]string{"sessionId": creds.AccessKeyID, "sessionKey": creds.SecretAccessKey, "sessionToken": creds.SessionToken})
	if err != nil {
		return "", err
	}
	q := url.Values{"Action": {"getSigninToken"}, "Session": {string(session)}}
	if sessionDuration > 0 {
		q.Set("SessionDuration", fmt.Sprint(int(sessionDuration/time.Second)))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, federation+"?"+q.Encode(), nil)
	if err != nil {
		return "", fmt.Errorf("federation request: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("get sign-in token: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("get sign-in token: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		// The body may echo nothing secret, but keep it out of the one-line message anyway.
		return "", fmt.Errorf("the federation endpoint refused the session (HTTP %d); only role sessions can open the console", resp.StatusCode)
	}
	var out struct{ SigninToken string }
	if err := json.Unmarshal(body, &out); err != nil || out.SigninToken == "" {
		return "", errors.New("the federation endpoint returned no sign-in token")
	}
	if destination == "" {
		destination = DefaultConsoleDestination
	}
	login := url.Values{"Action": {"login"}, "Issuer": {"kagi"}, "Destination": {destination}, "SigninToken": {out.SigninToken}}
	return federation + "?" + login.Encode(), nil
}

func isAWSHost(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	return strings.HasSuffix(h, ".amazonaws.com") || strings.HasSuffix(h, ".amazonaws.com.cn") || strings.HasSuffix(h, ".api.aws")
}
