package awsx

import (
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// HTTPClient is the SDK's default HTTP client with one race removed; every client kagi builds uses it, and so do
// the tests that build SDK clients by hand.
//
// The race (smithy-go v1.28.8 with net/http): smithy wraps a request body in a "safe" closer that also implements
// io.WriterTo, and closes it as soon as the response headers arrive. net/http's writer may still be checking the
// body for bytes past Content-Length at that moment, which it does with io.Copy; io.Copy prefers WriteTo, and the
// closed wrapper's WriteTo returns io.EOF as an error instead of (0, nil). net/http takes that for a failed request
// write and closes the connection under the response being read, so a call that succeeded on the server fails on
// the client with "use of closed network connection" (aws/aws-sdk-go-v2#2737). The SDK retries that error, which
// re-sends calls that are not idempotent (CreateVirtualMFADevice, CreateAccessKey) and turns a success into
// EntityAlreadyExists or a third key. Hiding WriteTo makes io.Copy use Read, which reports a closed body as a
// plain end of stream.
//
// It also bounds each attempt: an endpoint that accepts the connection and never answers would otherwise hang
// kagi, and with it every AWS CLI process waiting on credential_process. IAM and STS answer in well under a second.
func HTTPClient() aws.HTTPClient {
	return readOnlyBodies{next: awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.ResponseHeaderTimeout = AttemptTimeout
	})}
}

// AttemptTimeout bounds the wait for an answer once a request is sent (connecting has the SDK's own 30 s
// bound); a variable so tests can shorten it.
var AttemptTimeout = 30 * time.Second

type readOnlyBodies struct{ next aws.HTTPClient }

func (c readOnlyBodies) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = readOnlyBody{req.Body}
	}
	return c.next.Do(req)
}

// readOnlyBody exposes only Read and Close of a request body.
type readOnlyBody struct{ io.ReadCloser }
