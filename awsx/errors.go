package awsx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Class is the user-facing category of an error returned by an AWS call.
type Class int

// Error classes. Classification is by wire error code (smithy.APIError's
// ErrorCode), never by Go type name, then by transport failure, then by HTTP
// status.
const (
	ClassUnknown Class = iota
	// ClassInvalidMFA: IAM InvalidAuthenticationCode, or an AccessDenied whose
	// message mentions MultiFactorAuthentication / a one time pass code. Real
	// AWS does not tell a reused code from a wrong one, so a reused code lands
	// here too.
	ClassInvalidMFA
	// ClassMFAUsed: an MFA failure whose message says the code has "already
	// been used". Only kagi's embedded test endpoint says this today.
	ClassMFAUsed
	ClassAccessDenied
	// ClassAccessDeniedSourceIP: access denied on a request that already
	// carried MFA (see DeniedDespiteMFA), most likely an aws:SourceIp condition.
	ClassAccessDeniedSourceIP
	ClassThrottled
	ClassExpiredToken
	ClassInvalidClientToken
	ClassLimitExceeded
	ClassPasswordPolicy
	ClassEntityExists
	ClassNoSuchEntity
	ClassEntityTemporarilyUnmodifiable
	ClassDeleteConflict
	ClassInvalidInput
	ClassRegionDisabled
	ClassServiceFailure
	ClassNetwork
	ClassCanceled
)

var classNames = [...]string{
	ClassUnknown:                       "unknown",
	ClassInvalidMFA:                    "invalid-mfa",
	ClassMFAUsed:                       "mfa-used",
	ClassAccessDenied:                  "access-denied",
	ClassAccessDeniedSourceIP:          "access-denied-source-ip",
	ClassThrottled:                     "throttled",
	ClassExpiredToken:                  "expired-token",
	ClassInvalidClientToken:            "invalid-client-token",
	ClassLimitExceeded:                 "limit-exceeded",
	ClassPasswordPolicy:                "password-policy",
	ClassEntityExists:                  "entity-exists",
	ClassNoSuchEntity:                  "no-such-entity",
	ClassEntityTemporarilyUnmodifiable: "entity-temporarily-unmodifiable",
	ClassDeleteConflict:                "delete-conflict",
	ClassInvalidInput:                  "invalid-input",
	ClassRegionDisabled:                "region-disabled",
	ClassServiceFailure:                "service-failure",
	ClassNetwork:                       "network",
	ClassCanceled:                      "canceled",
}

// String returns a stable lower-kebab name for the class.
func (c Class) String() string {
	if c >= 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("class(%d)", int(c))
}

// sentences holds the one user-facing sentence per known class. ClassUnknown
// is built in Humanize.
var sentences = map[Class]string{
	ClassInvalidMFA:                    "The MFA code was not accepted; check that your authenticator's clock is correct and enter the current 6-digit code, remembering that each code works only once.",
	ClassMFAUsed:                       "That MFA code has already been used; wait for your authenticator to show the next code and enter that one.",
	ClassAccessDenied:                  "Access was denied; if this action requires MFA, start an MFA session first, otherwise ask your administrator for the missing permission.",
	ClassAccessDeniedSourceIP:          "Access was denied even though your session has MFA, so most likely a source-IP condition failed or you are not allowed this role; connect from the allowed network (office or VPN), or ask your administrator which range and roles you may use.",
	ClassThrottled:                     "AWS is throttling requests right now; wait a few seconds and try again.",
	ClassExpiredToken:                  "Your AWS session credentials have expired (or your system clock is wrong); sign in again with MFA to get fresh credentials.",
	ClassInvalidClientToken:            "AWS did not accept your credentials; check that the access key ID and secret are correct and that the key is still active.",
	ClassLimitExceeded:                 "An AWS limit was reached (for example, at most two access keys per user); delete an unused one and try again.",
	ClassPasswordPolicy:                "The new password does not meet the account's password policy; choose a longer, more complex password that you have not used recently.",
	ClassEntityExists:                  "That resource already exists; use the existing one or choose a different name.",
	ClassNoSuchEntity:                  "The requested IAM resource does not exist; check the name, or it may already have been deleted.",
	ClassEntityTemporarilyUnmodifiable: "The IAM resource is temporarily locked by another change in progress; wait a minute and try again.",
	ClassDeleteConflict:                "The resource cannot be deleted while something still depends on it (for example, an MFA device must be deactivated first); remove the dependency and try again.",
	ClassInvalidInput:                  "AWS rejected a value in the request as invalid; check the names and values you entered and try again.",
	ClassRegionDisabled:                "STS is not activated in the selected region; choose an enabled region or ask your administrator to activate STS there.",
	ClassServiceFailure:                "AWS had an internal error; wait a moment and try again.",
	ClassNetwork:                       "Could not reach the AWS endpoint; check your network connection, proxy settings and --endpoint-url.",
	ClassCanceled:                      "The operation was canceled or ran out of time before AWS answered; try again.",
}

// codeClasses maps AWS wire error codes to classes. AccessDenied-style codes
// are refined by message in classifyAPI.
var codeClasses = func() map[string]Class {
	groups := map[Class][]string{
		ClassInvalidMFA:   {"InvalidAuthenticationCode"},
		ClassAccessDenied: {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"},
		ClassThrottled: {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled",
			"RequestThrottledException", "RequestLimitExceeded", "TooManyRequestsException", "SlowDown"},
		ClassExpiredToken: {"ExpiredToken", "ExpiredTokenException", "RequestExpired"},
		ClassInvalidClientToken: {"InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch",
			"InvalidSignatureException", "IncompleteSignature", "InvalidAccessKeyId", "MissingAuthenticationToken"},
		ClassLimitExceeded:                 {"LimitExceeded"},
		ClassPasswordPolicy:                {"PasswordPolicyViolation"},
		ClassEntityExists:                  {"EntityAlreadyExists"},
		ClassNoSuchEntity:                  {"NoSuchEntity"},
		ClassEntityTemporarilyUnmodifiable: {"EntityTemporarilyUnmodifiable"},
		ClassDeleteConflict:                {"DeleteConflict"},
		ClassInvalidInput: {"ValidationError", "ValidationException", "InvalidInput", "InvalidParameterValue",
			"InvalidParameterCombination", "MissingParameter", "MalformedPolicyDocument"},
		ClassRegionDisabled: {"RegionDisabledException"},
		ClassServiceFailure: {"ServiceFailure", "InternalFailure", "InternalError", "InternalServerError",
			"ServiceUnavailable", "ServiceUnavailableException"},
	}
	m := map[string]Class{}
	for c, codes := range groups {
		for _, code := range codes {
			m[code] = c
		}
	}
	return m
}()

// Classify reports the class of err. A nil error is ClassUnknown.
func Classify(err error) Class {
	if err == nil {
		return ClassUnknown
	}
	var d *deniedDespiteMFAError
	if errors.As(err, &d) {
		return ClassAccessDeniedSourceIP
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() != "" {
		if c := classifyAPI(apiErr.ErrorCode(), apiErr.ErrorMessage()); c != ClassUnknown {
			return c
		}
	}
	if isCanceled(err) {
		return ClassCanceled
	}
	if isNetwork(err) {
		return ClassNetwork
	}
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) && respErr.Response != nil && respErr.Response.Response != nil {
		switch status := respErr.HTTPStatusCode(); {
		case status == 429:
			return ClassThrottled
		case status >= 500 && status <= 599:
			return ClassServiceFailure
		}
	}
	return ClassUnknown
}

func classifyAPI(code, msg string) Class {
	c := codeClasses[code]
	lower := strings.ToLower(msg)
	mfa := strings.Contains(lower, "multifactorauthentication") ||
		strings.Contains(lower, "one time pass code")
	if (c == ClassAccessDenied && mfa) || c == ClassInvalidMFA {
		if strings.Contains(lower, "already been used") {
			return ClassMFAUsed
		}
		return ClassInvalidMFA
	}
	return c
}

// isCanceled reports whether the caller's context ended the call: smithy's
// CanceledError, or context.Canceled / context.DeadlineExceeded themselves in
// the chain. net/http's timeout errors merely match DeadlineExceeded via an Is
// method and count as network timeouts instead.
func isCanceled(err error) bool {
	var ce *smithy.CanceledError
	if errors.As(err, &ce) {
		return true
	}
	return hasIdentical(err, context.Canceled, context.DeadlineExceeded)
}

func hasIdentical(err error, targets ...error) bool {
	for err != nil {
		for _, t := range targets {
			if err == t {
				return true
			}
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if hasIdentical(e, targets...) {
					return true
				}
			}
			return false
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		default:
			return false
		}
	}
	return false
}

func isNetwork(err error) bool {
	var (
		sendErr *smithyhttp.RequestSendError
		urlErr  *url.Error
		opErr   *net.OpError
		dnsErr  *net.DNSError
		netErr  net.Error
	)
	switch {
	case errors.As(err, &sendErr), errors.As(err, &urlErr),
		errors.As(err, &opErr), errors.As(err, &dnsErr):
		return true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.ETIMEDOUT), errors.Is(err, os.ErrDeadlineExceeded):
		return true
	case errors.As(err, &netErr):
		return netErr.Timeout()
	}
	return false
}

// Humanize returns exactly one sentence (ending in '.', no newline) saying
// what happened and what to do. Raw SDK text appears only for ClassUnknown
// errors that carry no AWS error code. Humanize(nil) is "".
func Humanize(err error) string {
	if err == nil {
		return ""
	}
	if s, ok := sentences[Classify(err)]; ok {
		return s
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		if code := strings.Join(strings.Fields(apiErr.ErrorCode()), ""); code != "" {
			return "AWS returned " + code + "; run again with --debug for details."
		}
	}
	return sentenceFrom(err.Error())
}

// sentenceFrom turns the first line of msg into a capitalised sentence.
func sentenceFrom(msg string) string {
	line, _, _ := strings.Cut(msg, "\n")
	line = strings.TrimRight(strings.TrimSpace(line), ".,;: ")
	if line == "" {
		return "An unexpected error occurred; run again with --debug for details."
	}
	r, n := utf8.DecodeRuneInString(line)
	return string(unicode.ToUpper(r)) + line[n:] + "."
}

// deniedDespiteMFAError marks an AccessDenied answer to a request that was
// signed with MFA session credentials.
type deniedDespiteMFAError struct{ err error }

func (e *deniedDespiteMFAError) Error() string { return e.err.Error() }
func (e *deniedDespiteMFAError) Unwrap() error { return e.err }

// DeniedDespiteMFA wraps err, an error from a request made with MFA
// credentials, so that Classify reports ClassAccessDeniedSourceIP when it is a
// plain access-denied error. Any other error (including nil and MFA code
// failures) is returned unchanged. errors.Is/As still see through the wrapper.
func DeniedDespiteMFA(err error) error {
	if Classify(err) != ClassAccessDenied {
		return err
	}
	return &deniedDespiteMFAError{err: err}
}

// IsRetryable reports whether trying the same call again later may succeed:
// throttling, AWS service failures and network failures.
func IsRetryable(err error) bool {
	switch Classify(err) {
	case ClassThrottled, ClassServiceFailure, ClassNetwork:
		return true
	}
	return false
}
