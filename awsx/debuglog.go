package awsx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"
)

// DebugLog writes kagi's --debug log. Every line passes through Redact, so secrets (secret keys, session
// tokens, passwords, MFA codes and seeds) never reach it. A nil *DebugLog logs nothing.
type DebugLog struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

// NewDebugLog logs to w (stderr or a file the caller opened with mode 0600).
func NewDebugLog(w io.Writer) *DebugLog { return &DebugLog{w: w, now: time.Now} }

// Printf writes one redacted line.
func (d *DebugLog) Printf(format string, args ...any) {
	if d == nil {
		return
	}
	line := Redact(fmt.Sprintf(format, args...))
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintf(d.w, "%s kagi: %s\n", d.now().UTC().Format("15:04:05.000"), strings.TrimRight(line, "\n"))
}

// Logf implements smithy-go's logging.Logger for the SDK's request/response logging.
func (d *DebugLog) Logf(classification logging.Classification, format string, v ...interface{}) {
	d.Printf("sdk %s: "+format, append([]any{classification}, v...)...)
}

func (d *DebugLog) logger() logging.Logger {
	if d == nil {
		return logging.Nop{}
	}
	return d
}

// logMode logs retries and request/response headers, never bodies: bodies carry secrets.
func (d *DebugLog) logMode() aws.ClientLogMode {
	if d == nil {
		return 0
	}
	return aws.LogRetries | aws.LogRequest | aws.LogResponse
}

// apiOptions adds one line per API call: service, operation, duration and error code.
func (d *DebugLog) apiOptions(service string) []func(*middleware.Stack) error {
	if d == nil {
		return nil
	}
	return []func(*middleware.Stack) error{func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("kagiDebugTiming",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				start := d.now()
				out, md, err := next.HandleInitialize(ctx, in)
				outcome := "ok"
				if err != nil {
					outcome = "error " + Classify(err).String()
					if ae, ok := asAPIError(err); ok {
						outcome += " (" + ae.ErrorCode() + ": " + ae.ErrorMessage() + ")"
					}
				}
				d.Printf("%s %s %s %s", service, middleware.GetOperationName(ctx), d.now().Sub(start).Round(time.Millisecond), outcome)
				return out, md, err
			}), middleware.Before)
	}}
}

func asAPIError(err error) (smithy.APIError, bool) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae, true
	}
	return nil, false
}

var redactions = []struct {
	re   *regexp.Regexp
	repl string
}{
	// Headers.
	{regexp.MustCompile(`(?i)(X-Amz-Security-Token:\s*)\S+`), "${1}[redacted]"},
	{regexp.MustCompile(`(?i)(Signature=)[0-9a-f]+`), "${1}[redacted]"},
	// Query/form parameters and XML/JSON elements that carry secrets.
	{regexp.MustCompile(`(?i)((?:SecretAccessKey|SessionToken|sessionKey|Password|OldPassword|NewPassword|ServicePassword|TokenCode|AuthenticationCode[12]|Base32StringSeed|QRCodePNG|SigninToken|mfa_secret|secret_access_key|aws_secret_access_key|aws_session_token)(?:["']?\s*[:=]\s*["']?|>))[^"'&<\s,}]+`), "${1}[redacted]"},
	// otpauth URIs carry the MFA seed.
	{regexp.MustCompile(`(?i)(otpauth://\S*?secret=)[A-Z2-7=]+`), "${1}[redacted]"},
}

// Redact masks secrets in s: header values, form parameters, XML elements and JSON fields that carry
// secret keys, session tokens, passwords, MFA codes or seeds. Access key ids are not secret and stay.
func Redact(s string) string {
	for _, r := range redactions {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return s
}
