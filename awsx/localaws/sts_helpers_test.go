package localaws_test

// Helpers for the STS, SigV4, federation and knob tests. The shared ones (newTestEndpoint, stsClient,
// mfaSession, wantCode, ...) live in testutil_test.go; everything here is prefixed "sts" to keep apart.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/kagi-cli/kagi/awsx/localaws"
)

// stsSeeded starts an endpoint (clock frozen a few seconds into a TOTP step) and seeds scenario.
func stsSeeded(t testing.TB, scenario string) (*localaws.Server, string, *localaws.Seeded) {
	t.Helper()
	srv, url := newTestEndpoint(t)
	seed, err := srv.Seed(scenario)
	if err != nil {
		t.Fatalf("Seed %s: %v", scenario, err)
	}
	return srv, url, seed
}

// stsAliceKey is the seeded user's long-term key.
func stsAliceKey(seed *localaws.Seeded) aws.Credentials {
	return aws.Credentials{AccessKeyID: seed.AccessKeyID, SecretAccessKey: seed.SecretAccessKey}
}

// stsAliceMFA is an MFA-authenticated GetSessionToken session of the seeded (onboarded) user.
func stsAliceMFA(t testing.TB, srv *localaws.Server, url string, seed *localaws.Seeded) aws.Credentials {
	t.Helper()
	return mfaSession(t, srv, url, seed.AccessKeyID, seed.SecretAccessKey, seed.MFASerial, seed.MFASecret)
}

// stsCredsOf converts the SDK's credentials shape.
func stsCredsOf(c *ststypes.Credentials) aws.Credentials {
	return sessionCreds(c.AccessKeyId, c.SecretAccessKey, c.SessionToken)
}

// stsAssume assumes roleARN with creds; dur 0 leaves DurationSeconds out.
func stsAssume(t testing.TB, url string, creds aws.Credentials, roleARN, session string, dur int32) (*sts.AssumeRoleOutput, error) {
	t.Helper()
	in := &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String(session)}
	if dur != 0 {
		in.DurationSeconds = aws.Int32(dur)
	}
	return stsClientFor(t, url, creds).AssumeRole(wireCtx, in)
}

// stsMustAssume is stsAssume that fails the test on error and returns the role session's credentials.
func stsMustAssume(t testing.TB, url string, creds aws.Credentials, roleARN, session string, dur int32) aws.Credentials {
	t.Helper()
	out, err := stsAssume(t, url, creds, roleARN, session, dur)
	if err != nil {
		t.Fatalf("AssumeRole %s: %v", roleARN, err)
	}
	return stsCredsOf(out.Credentials)
}

// stsWantErr checks err is an AWS API error with code, answered with a 4xx status and a request id, and
// returns the error's message.
func stsWantErr(t testing.TB, err error, code string) string {
	t.Helper()
	wantCode(t, err, code)
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("%s: not an HTTP response error: %T %v", code, err, err)
	}
	if s := re.HTTPStatusCode(); s < 400 || s > 499 {
		t.Fatalf("%s: HTTP status %d, want 4xx", code, s)
	}
	if re.ServiceRequestID() == "" {
		t.Fatalf("%s: no request id in the error response", code)
	}
	var ae smithy.APIError
	errors.As(err, &ae)
	return ae.ErrorMessage()
}

// stsWantStatus is stsWantErr that also checks the exact HTTP status.
func stsWantStatus(t testing.TB, err error, code string, status int) string {
	t.Helper()
	msg := stsWantErr(t, err, code)
	if got := stsStatusOf(err); got != status {
		t.Fatalf("%s: HTTP %d, want %d", code, got, status)
	}
	return msg
}

// stsStatusOf returns the HTTP status of an SDK error (0 if none).
func stsStatusOf(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// stsWrongCode returns a six-digit code that is none of the device's codes within ±2 steps of now.
func stsWrongCode(secret string, now time.Time) string {
	window := map[string]bool{}
	for d := -2; d <= 2; d++ {
		window[localaws.CodeAt(secret, now.Add(time.Duration(d)*30*time.Second))] = true
	}
	for n := 123456; ; n = (n + 111111) % 1000000 {
		c := fmt.Sprintf("%06d", n)
		if !window[c] {
			return c
		}
	}
}

// stsSignedRequest builds a POST of body to url, signed with SigV4 for service at signing time at. hdr is set
// before signing (so those headers are signed).
func stsSignedRequest(t testing.TB, url, body string, c aws.Credentials, service string, at time.Time, hdr map[string]string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, hex.EncodeToString(sum[:]), service, "us-east-1", at); err != nil {
		t.Fatalf("sign: %v", err)
	}
	return req
}

// stsSend sends req with a plain HTTP client (no redirects followed) and returns the response and its body.
func stsSend(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, body
}

// stsErrorDoc is the AWS Query protocol error document.
type stsErrorDoc struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// stsParseError parses an ErrorResponse document.
func stsParseError(body []byte) (*stsErrorDoc, error) {
	var doc stsErrorDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	if doc.Error.Code == "" {
		return nil, fmt.Errorf("error document without a Code: %q", body)
	}
	return &doc, nil
}

// stsWantRawErr checks a raw response is a 4xx ErrorResponse with code and returns the document.
func stsWantRawErr(t testing.TB, resp *http.Response, body []byte, code string) *stsErrorDoc {
	t.Helper()
	if resp.StatusCode < 400 || resp.StatusCode > 499 {
		t.Fatalf("want 4xx %s, got HTTP %d: %s", code, resp.StatusCode, body)
	}
	doc, err := stsParseError(body)
	if err != nil {
		t.Fatalf("want ErrorResponse %s: %v (%s)", code, err, body)
	}
	if doc.Error.Code != code {
		t.Fatalf("want error %s, got %s: %s", code, doc.Error.Code, doc.Error.Message)
	}
	if doc.RequestID == "" || resp.Header.Get("X-Amzn-RequestId") == "" {
		t.Fatalf("%s: no request id (document %q, header %q)", code, doc.RequestID, resp.Header.Get("X-Amzn-RequestId"))
	}
	return doc
}

// stsPolicy is a one-statement identity policy.
func stsPolicy(effect, action, resource, condition string) []byte {
	s := `{"Version":"2012-10-17","Statement":[{"Effect":"` + effect + `","Action":"` + action + `","Resource":"` + resource + `"`
	if condition != "" {
		s += `,"Condition":` + condition
	}
	return []byte(s + `}]}`)
}

// stsTrustAccount is a trust policy for the test account's principals, with an optional condition.
func stsTrustAccount(condition string) []byte {
	s := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + testAccount +
		`:root"},"Action":"sts:AssumeRole"`
	if condition != "" {
		s += `,"Condition":` + condition
	}
	return []byte(s + `}]}`)
}

// stsUserKey creates a user (groups, inline policies) with a ready access key.
func stsUserKey(t testing.TB, srv *localaws.Server, name string, groups []string, policies ...[]byte) aws.Credentials {
	t.Helper()
	if err := srv.CreateUser(name, "", groups, policies...); err != nil {
		t.Fatalf("CreateUser %s: %v", name, err)
	}
	id, secret, err := srv.CreateAccessKeyFor(name)
	if err != nil {
		t.Fatalf("CreateAccessKeyFor %s: %v", name, err)
	}
	return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
}
