package awsx_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/kagi-cli/kagi/awsx"
)

// sdkWrap wraps inner the way the SDK's deserializers and operation
// middleware do: OperationError -> awshttp.ResponseError -> smithyhttp.ResponseError -> inner.
func sdkWrap(service, op string, status int, inner error) error {
	return &smithy.OperationError{
		ServiceID:     service,
		OperationName: op,
		Err: &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{
				Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: http.Header{}}},
				Err:      inner,
			},
			RequestID: "5b2c6a0e-req",
		},
	}
}

func apiErr(code, msg string) *smithy.GenericAPIError {
	return &smithy.GenericAPIError{Code: code, Message: msg, Fault: smithy.FaultClient}
}

func stsErr(status int, code, msg string) error {
	return sdkWrap("STS", "GetSessionToken", status, apiErr(code, msg))
}

func iamErr(status int, code, msg string) error {
	return sdkWrap("IAM", "CreateAccessKey", status, apiErr(code, msg))
}

// transport wraps a transport failure the way a real client call returns it
// (see TestClassifyRealNetworkFailure): status 0 ResponseError around smithy's
// RequestSendError, inside the retry middleware's MaxAttemptsError.
func transport(inner error) error {
	return &smithy.OperationError{ServiceID: "STS", OperationName: "GetCallerIdentity",
		Err: &retry.MaxAttemptsError{Attempt: 3, Err: &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{
				Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 0}},
				Err:      &smithyhttp.RequestSendError{Err: inner},
			},
		}}}
}

type classCase struct {
	name string
	err  error
	want awsx.Class
	// raw is text from the error that must never show up in the sentence.
	raw []string
}

func classCases() []classCase {
	const (
		realMFAMsg = "MultiFactorAuthentication failed with invalid MFA one time pass code."
		usedMFAMsg = "MultiFactorAuthentication failed, the one time pass code has already been used."
	)
	opErr := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1},
		Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	dnsErr := &net.DNSError{Err: "no such host", Name: "sts.invalid.example", IsNotFound: true}
	urlTimeout := &url.Error{Op: "Post", URL: "https://sts.amazonaws.com/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}}

	return []classCase{
		// MFA
		{"iam invalid auth code typed", sdkWrap("IAM", "EnableMFADevice", 403,
			&iamtypes.InvalidAuthenticationCodeException{Message: aws.String("Authentication code for device is not valid.")}),
			awsx.ClassInvalidMFA, []string{"Authentication code for device"}},
		{"iam resync invalid auth code generic", iamErr(403, "InvalidAuthenticationCode", "Authentication code for device is not valid."),
			awsx.ClassInvalidMFA, []string{"InvalidAuthenticationCode"}},
		{"sts access denied real mfa failure", stsErr(403, "AccessDenied", realMFAMsg), awsx.ClassInvalidMFA, []string{realMFAMsg, "AccessDenied"}},
		{"sts access denied mfa mentioned anywhere", sdkWrap("STS", "AssumeRole", 403,
			apiErr("AccessDenied", "User: arn:aws:iam::123456789012:user/bob is not authorized: MultiFactorAuthentication required")),
			awsx.ClassInvalidMFA, []string{"arn:aws:iam"}},
		{"sts access denied one time pass code only", stsErr(403, "AccessDenied", "invalid MFA one time pass code"), awsx.ClassInvalidMFA, nil},
		{"test endpoint code already used", stsErr(403, "AccessDenied", usedMFAMsg), awsx.ClassMFAUsed, []string{usedMFAMsg}},
		{"used code via AssumeRole after retries", &retry.MaxAttemptsError{Attempt: 1, Err: sdkWrap("STS", "AssumeRole", 403, apiErr("AccessDenied", usedMFAMsg))},
			awsx.ClassMFAUsed, nil},

		// access denied
		{"iam access denied", iamErr(403, "AccessDenied", "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:CreateAccessKey"),
			awsx.ClassAccessDenied, []string{"arn:aws:iam", "iam:CreateAccessKey"}},
		{"access denied exception", iamErr(400, "AccessDeniedException", "nope"), awsx.ClassAccessDenied, []string{"nope"}},
		{"unauthorized operation", iamErr(403, "UnauthorizedOperation", "You are not authorized"), awsx.ClassAccessDenied, []string{"You are not authorized"}},
		{"source ip via DeniedDespiteMFA", awsx.DeniedDespiteMFA(sdkWrap("STS", "AssumeRole", 403,
			apiErr("AccessDenied", "User: arn:aws:sts::1:assumed-role/x is not authorized to perform: sts:AssumeRole"))),
			awsx.ClassAccessDeniedSourceIP, []string{"sts:AssumeRole"}},
		{"source ip wrapped again by caller", fmt.Errorf("assume role: %w", awsx.DeniedDespiteMFA(iamErr(403, "AccessDenied", "not authorized to perform iam:ListUsers"))),
			awsx.ClassAccessDeniedSourceIP, []string{"assume role"}},

		// throttling
		{"throttling", iamErr(400, "Throttling", "Rate exceeded"), awsx.ClassThrottled, []string{"Rate exceeded"}},
		{"throttling exception", stsErr(400, "ThrottlingException", "Rate exceeded"), awsx.ClassThrottled, nil},
		{"request limit exceeded", iamErr(503, "RequestLimitExceeded", "Request limit exceeded."), awsx.ClassThrottled, nil},
		{"too many requests", iamErr(429, "TooManyRequestsException", "slow"), awsx.ClassThrottled, nil},
		{"slow down", iamErr(503, "SlowDown", "Please reduce your request rate."), awsx.ClassThrottled, nil},
		{"throttled after max attempts", &retry.MaxAttemptsError{Attempt: 3, Err: iamErr(400, "Throttling", "Rate exceeded")}, awsx.ClassThrottled, nil},
		{"throttled then retry quota exceeded", &smithy.OperationError{ServiceID: "IAM", OperationName: "ListUsers",
			Err: errors.Join(iamErr(400, "Throttling", "Rate exceeded"), errors.New("failed to get rate limit token, retry quota exceeded"))},
			awsx.ClassThrottled, []string{"retry quota"}},
		{"http 429 without code", sdkWrap("IAM", "ListUsers", 429, &smithy.DeserializationError{Err: errors.New("unexpected EOF")}), awsx.ClassThrottled, nil},

		// tokens
		{"expired token typed", sdkWrap("STS", "GetCallerIdentity", 400, &ststypes.ExpiredTokenException{Message: aws.String("The security token included in the request is expired")}),
			awsx.ClassExpiredToken, []string{"security token included"}},
		{"expired token", iamErr(403, "ExpiredToken", "The security token included in the request is expired"), awsx.ClassExpiredToken, nil},
		{"request expired", iamErr(400, "RequestExpired", "Request has expired."), awsx.ClassExpiredToken, nil},
		{"invalid client token id", stsErr(403, "InvalidClientTokenId", "The security token included in the request is invalid."), awsx.ClassInvalidClientToken, []string{"InvalidClientTokenId"}},
		{"unrecognized client", iamErr(400, "UnrecognizedClientException", "bad"), awsx.ClassInvalidClientToken, nil},
		{"signature mismatch", stsErr(403, "SignatureDoesNotMatch", "The request signature we calculated does not match"), awsx.ClassInvalidClientToken, []string{"signature we calculated"}},
		{"incomplete signature", stsErr(400, "IncompleteSignature", "x"), awsx.ClassInvalidClientToken, nil},
		{"invalid access key id", stsErr(403, "InvalidAccessKeyId", "x"), awsx.ClassInvalidClientToken, nil},

		// IAM entity errors (typed)
		{"limit exceeded typed", sdkWrap("IAM", "CreateAccessKey", 409,
			&iamtypes.LimitExceededException{Message: aws.String("Cannot exceed quota for AccessKeysPerUser: 2")}),
			awsx.ClassLimitExceeded, []string{"AccessKeysPerUser", "LimitExceeded"}},
		{"limit exceeded git credentials", sdkWrap("IAM", "CreateServiceSpecificCredential", 409, apiErr("LimitExceeded", "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2")),
			awsx.ClassLimitExceeded, nil},
		{"password policy typed", sdkWrap("IAM", "ChangePassword", 400,
			&iamtypes.PasswordPolicyViolationException{Message: aws.String("Password should have at least one uppercase letter")}),
			awsx.ClassPasswordPolicy, []string{"uppercase"}},
		{"entity exists typed", sdkWrap("IAM", "CreateVirtualMFADevice", 409,
			&iamtypes.EntityAlreadyExistsException{Message: aws.String("MFADevice entity at the same path and name already exists.")}),
			awsx.ClassEntityExists, []string{"MFADevice entity"}},
		{"no such entity typed", sdkWrap("IAM", "GetUser", 404,
			&iamtypes.NoSuchEntityException{Message: aws.String("The user with name bob cannot be found.")}),
			awsx.ClassNoSuchEntity, []string{"bob"}},
		{"temporarily unmodifiable typed", sdkWrap("IAM", "UpdateLoginProfile", 409,
			&iamtypes.EntityTemporarilyUnmodifiableException{Message: aws.String("Login Profile for User bob cannot be modified while login profile is being created.")}),
			awsx.ClassEntityTemporarilyUnmodifiable, []string{"bob"}},
		{"delete conflict typed", sdkWrap("IAM", "DeleteVirtualMFADevice", 409,
			&iamtypes.DeleteConflictException{Message: aws.String("MFA Device is in use.")}),
			awsx.ClassDeleteConflict, []string{"in use"}},

		// invalid input
		{"validation error", stsErr(400, "ValidationError", "1 validation error detected: Value at 'tokenCode' failed"), awsx.ClassInvalidInput, []string{"tokenCode"}},
		{"invalid input typed", sdkWrap("IAM", "EnableMFADevice", 400, &iamtypes.InvalidInputException{Message: aws.String("bad serial")}),
			awsx.ClassInvalidInput, []string{"bad serial"}},
		{"invalid parameter value", iamErr(400, "InvalidParameterValue", "x"), awsx.ClassInvalidInput, nil},
		{"malformed policy sts typed", sdkWrap("STS", "AssumeRole", 400, &ststypes.MalformedPolicyDocumentException{Message: aws.String("bad policy")}),
			awsx.ClassInvalidInput, []string{"bad policy"}},

		// region / service
		{"region disabled typed", sdkWrap("STS", "GetSessionToken", 403,
			&ststypes.RegionDisabledException{Message: aws.String("STS is not activated in this region for account:1")}),
			awsx.ClassRegionDisabled, []string{"account:1"}},
		{"service failure typed", sdkWrap("IAM", "ListMFADevices", 500, &iamtypes.ServiceFailureException{Message: aws.String("boom")}),
			awsx.ClassServiceFailure, []string{"boom"}},
		{"internal failure", stsErr(500, "InternalFailure", "x"), awsx.ClassServiceFailure, nil},
		{"service unavailable", stsErr(503, "ServiceUnavailable", "x"), awsx.ClassServiceFailure, nil},
		{"unknown code on 502", stsErr(502, "BadGatewayThing", "proxy said no"), awsx.ClassServiceFailure, []string{"BadGatewayThing", "proxy said no"}},
		{"5xx without api error", sdkWrap("STS", "GetCallerIdentity", 504,
			&smithy.DeserializationError{Err: errors.New("<html>gateway timeout</html>")}),
			awsx.ClassServiceFailure, []string{"html"}},

		// network
		{"connection refused", transport(&url.Error{Op: "Post", URL: "http://127.0.0.1:1/", Err: opErr}), awsx.ClassNetwork, []string{"127.0.0.1", "refused"}},
		{"dns failure", transport(&url.Error{Op: "Post", URL: "https://sts.invalid.example/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: dnsErr}}),
			awsx.ClassNetwork, []string{"no such host"}},
		{"bare dns error", dnsErr, awsx.ClassNetwork, nil},
		{"bare op error", opErr, awsx.ClassNetwork, nil},
		{"bare econnrefused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), awsx.ClassNetwork, nil},
		{"dial timeout", transport(urlTimeout), awsx.ClassNetwork, []string{"timeout"}},
		{"http client timeout", &url.Error{Op: "Post", URL: "https://sts.amazonaws.com/", Err: timeoutErr{}}, awsx.ClassNetwork, nil},

		// canceled
		{"smithy canceled", &smithy.OperationError{ServiceID: "STS", OperationName: "GetSessionToken",
			Err: &smithy.CanceledError{Err: context.Canceled}}, awsx.ClassCanceled, []string{"canceled,"}},
		{"smithy deadline", &smithy.OperationError{ServiceID: "STS", OperationName: "GetSessionToken",
			Err: &smithy.CanceledError{Err: context.DeadlineExceeded}}, awsx.ClassCanceled, nil},
		{"bare context canceled", context.Canceled, awsx.ClassCanceled, nil},
		{"context deadline in url error", &url.Error{Op: "Post", URL: "https://x/", Err: context.DeadlineExceeded}, awsx.ClassCanceled, nil},
		{"retry sleep canceled", fmt.Errorf("retry delay: %w", context.DeadlineExceeded), awsx.ClassCanceled, nil},
	}
}

// timeoutErr mimics net/http's client timeout error, which claims to be
// context.DeadlineExceeded via an Is method but is a network timeout.
type timeoutErr struct{}

func (timeoutErr) Error() string        { return "net/http: timeout awaiting response headers" }
func (timeoutErr) Timeout() bool        { return true }
func (timeoutErr) Temporary() bool      { return true }
func (timeoutErr) Is(target error) bool { return target == context.DeadlineExceeded }

func TestClassify(t *testing.T) {
	for _, tc := range classCases() {
		t.Run(tc.name, func(t *testing.T) {
			if got := awsx.Classify(tc.err); got != tc.want {
				t.Fatalf("Classify() = %v, want %v (err: %v)", got, tc.want, tc.err)
			}
		})
	}
}

func TestClassifyCoversEveryClass(t *testing.T) {
	seen := map[awsx.Class]bool{awsx.ClassUnknown: true}
	for _, tc := range classCases() {
		seen[tc.want] = true
	}
	for c := awsx.ClassUnknown; c <= awsx.ClassCanceled; c++ {
		if !seen[c] {
			t.Errorf("no test case for %v", c)
		}
	}
}

func checkSentence(t *testing.T, s string) {
	t.Helper()
	if s == "" || strings.ContainsAny(s, "\r\n") || !strings.HasSuffix(s, ".") {
		t.Fatalf("not a single one-line sentence ending in '.': %q", s)
	}
	if strings.Contains(strings.TrimSuffix(s, "."), ". ") {
		t.Fatalf("more than one sentence: %q", s)
	}
}

func TestHumanizeKnownClasses(t *testing.T) {
	sentences := map[string]awsx.Class{}
	for _, tc := range classCases() {
		t.Run(tc.name, func(t *testing.T) {
			s := awsx.Humanize(tc.err)
			checkSentence(t, s)
			if strings.Contains(s, tc.err.Error()) {
				t.Fatalf("sentence contains raw error text: %q", s)
			}
			var ae smithy.APIError
			if errors.As(tc.err, &ae) {
				if m := ae.ErrorMessage(); m != "" && strings.Contains(s, m) {
					t.Fatalf("sentence contains API message: %q", s)
				}
				if strings.Contains(s, ae.ErrorCode()) {
					t.Fatalf("sentence contains API code %q: %q", ae.ErrorCode(), s)
				}
			}
			for _, r := range tc.raw {
				if strings.Contains(s, r) {
					t.Fatalf("sentence contains raw text %q: %q", r, s)
				}
			}
			if prev, ok := sentences[s]; ok && prev != tc.want {
				t.Fatalf("classes %v and %v share the sentence %q", prev, tc.want, s)
			}
			sentences[s] = tc.want
		})
	}
}

func TestHumanizeClassSpecificWording(t *testing.T) {
	checks := []struct {
		err  error
		want string
	}{
		{stsErr(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code."), "clock"},
		{stsErr(403, "AccessDenied", "MultiFactorAuthentication failed, the one time pass code has already been used."), "next code"},
		{awsx.DeniedDespiteMFA(stsErr(403, "AccessDenied", "denied")), "source-IP"},
		{transport(syscall.ECONNREFUSED), "--endpoint-url"},
		{iamErr(409, "LimitExceeded", "x"), "two access keys"},
	}
	for _, c := range checks {
		if s := awsx.Humanize(c.err); !strings.Contains(s, c.want) {
			t.Errorf("Humanize(%v) = %q, want it to mention %q", c.err, s, c.want)
		}
	}
}

func TestHumanizeUnknown(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"unknown api code", stsErr(400, "IDPRejectedClaim", "secret details"), "AWS returned IDPRejectedClaim; run again with --debug for details."},
		{"unknown typed code", sdkWrap("IAM", "CreateUser", 409, &iamtypes.ConcurrentModificationException{Message: aws.String("x")}),
			"AWS returned ConcurrentModification; run again with --debug for details."},
		{"plain error", errors.New("failed to load shared config: profile \"work\" not found\nmore details"),
			"Failed to load shared config: profile \"work\" not found."},
		{"trailing period kept single", errors.New("no credentials found."), "No credentials found."},
		{"empty message", errors.New(""), "An unexpected error occurred; run again with --debug for details."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if c := awsx.Classify(tc.err); c != awsx.ClassUnknown {
				t.Fatalf("Classify() = %v, want unknown", c)
			}
			s := awsx.Humanize(tc.err)
			if s != tc.want {
				t.Fatalf("Humanize() = %q, want %q", s, tc.want)
			}
			if strings.Contains(s, "secret details") {
				t.Fatalf("API message leaked: %q", s)
			}
		})
	}
	if got := awsx.Classify(nil); got != awsx.ClassUnknown {
		t.Errorf("Classify(nil) = %v", got)
	}
	if got := awsx.Humanize(nil); got != "" {
		t.Errorf("Humanize(nil) = %q, want empty", got)
	}
}

func TestClassString(t *testing.T) {
	want := map[awsx.Class]string{
		awsx.ClassUnknown:              "unknown",
		awsx.ClassInvalidMFA:           "invalid-mfa",
		awsx.ClassMFAUsed:              "mfa-used",
		awsx.ClassAccessDeniedSourceIP: "access-denied-source-ip",
		awsx.ClassNetwork:              "network",
		awsx.ClassCanceled:             "canceled",
	}
	for c, w := range want {
		if c.String() != w {
			t.Errorf("%d.String() = %q, want %q", int(c), c.String(), w)
		}
	}
	names := map[string]bool{}
	for c := awsx.ClassUnknown; c <= awsx.ClassCanceled; c++ {
		s := c.String()
		if s == "" || s != strings.ToLower(s) || strings.ContainsAny(s, " _") || names[s] {
			t.Errorf("bad or duplicate name %q for %d", s, int(c))
		}
		names[s] = true
	}
	if s := awsx.Class(999).String(); s != "class(999)" {
		t.Errorf("out of range String() = %q", s)
	}
}

func TestDeniedDespiteMFA(t *testing.T) {
	if awsx.DeniedDespiteMFA(nil) != nil {
		t.Fatal("DeniedDespiteMFA(nil) != nil")
	}
	for _, err := range []error{
		iamErr(404, "NoSuchEntity", "x"),
		stsErr(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code."),
		transport(syscall.ECONNREFUSED),
		errors.New("plain"),
	} {
		if got := awsx.DeniedDespiteMFA(err); got != err {
			t.Errorf("DeniedDespiteMFA(%v) changed a non-AccessDenied error to %v", err, got)
		}
	}

	orig := stsErr(403, "AccessDenied", "not authorized to perform sts:AssumeRole")
	wrapped := awsx.DeniedDespiteMFA(orig)
	if wrapped == orig {
		t.Fatal("AccessDenied error was not wrapped")
	}
	if c := awsx.Classify(wrapped); c != awsx.ClassAccessDeniedSourceIP {
		t.Fatalf("Classify(wrapped) = %v", c)
	}
	if !errors.Is(wrapped, orig) {
		t.Error("errors.Is(wrapped, orig) = false")
	}
	var ae smithy.APIError
	if !errors.As(wrapped, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Errorf("errors.As(smithy.APIError) failed through wrapper: %v", ae)
	}
	var oe *smithy.OperationError
	if !errors.As(wrapped, &oe) || oe.Operation() != "GetSessionToken" {
		t.Error("errors.As(*smithy.OperationError) failed through wrapper")
	}
	var re *smithyhttp.ResponseError
	if !errors.As(wrapped, &re) || re.HTTPStatusCode() != 403 {
		t.Error("errors.As(*smithyhttp.ResponseError) failed through wrapper")
	}
	if wrapped.Error() != orig.Error() {
		t.Errorf("wrapper changed Error(): %q", wrapped.Error())
	}
	if again := awsx.DeniedDespiteMFA(wrapped); again != wrapped {
		t.Error("wrapping twice should be a no-op")
	}
	if awsx.IsRetryable(wrapped) {
		t.Error("source-IP denial must not be retryable")
	}
}

func TestIsRetryable(t *testing.T) {
	for _, tc := range classCases() {
		want := tc.want == awsx.ClassThrottled || tc.want == awsx.ClassServiceFailure || tc.want == awsx.ClassNetwork
		if got := awsx.IsRetryable(tc.err); got != want {
			t.Errorf("%s: IsRetryable() = %v, want %v", tc.name, got, want)
		}
	}
	if awsx.IsRetryable(nil) {
		t.Error("IsRetryable(nil) = true")
	}
}

// TestClassifyRealNetworkFailure drives a real STS client at a closed port.
func TestClassifyRealNetworkFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()

	for _, endpoint := range []string{"http://127.0.0.1:1", "http://" + closed} {
		client := sts.New(sts.Options{
			Region:           "us-east-1",
			BaseEndpoint:     aws.String(endpoint),
			Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
			RetryMaxAttempts: 1,
		})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		cancel()
		if err == nil {
			t.Fatalf("%s: expected an error", endpoint)
		}
		t.Logf("%s: %v", endpoint, err)
		if c := awsx.Classify(err); c != awsx.ClassNetwork {
			t.Fatalf("%s: Classify() = %v, want network (err: %v)", endpoint, c, err)
		}
		if !awsx.IsRetryable(err) {
			t.Errorf("%s: network failure should be retryable", endpoint)
		}
		s := awsx.Humanize(err)
		checkSentence(t, s)
		if strings.Contains(s, "127.0.0.1") || strings.Contains(s, "refused") {
			t.Errorf("raw text leaked into %q", s)
		}
	}
}

// TestClassifyRealTimeouts hangs a real STS call on a server that never
// answers: the caller's context deadline is ClassCanceled, an HTTP client
// timeout is ClassNetwork.
func TestClassifyRealTimeouts(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)

	newClient := func(hc *http.Client) *sts.Client {
		o := sts.Options{
			Region:           "us-east-1",
			BaseEndpoint:     aws.String(srv.URL),
			Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
			RetryMaxAttempts: 1,
		}
		if hc != nil {
			o.HTTPClient = hc
		}
		return sts.New(o)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := newClient(nil).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if c := awsx.Classify(err); c != awsx.ClassCanceled {
		t.Errorf("context deadline: Classify() = %v, want canceled (err: %v)", c, err)
	}

	_, err = newClient(&http.Client{Timeout: 200 * time.Millisecond}).
		GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if c := awsx.Classify(err); c != awsx.ClassNetwork {
		t.Errorf("http client timeout: Classify() = %v, want network (err: %v)", c, err)
	}
}

// TestClassifyRealCanceled cancels the context before a real call is made.
func TestClassifyRealCanceled(t *testing.T) {
	client := sts.New(sts.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://127.0.0.1:1"),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if c := awsx.Classify(err); c != awsx.ClassCanceled {
		t.Fatalf("Classify() = %v, want canceled (err: %v)", c, err)
	}
}
