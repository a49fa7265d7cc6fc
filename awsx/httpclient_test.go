package awsx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// smithyBody is a request body exactly as smithy-go hands it to the HTTP client.
func smithyBody(t *testing.T, payload string) io.ReadCloser {
	t.Helper()
	req := smithyhttp.NewStackRequest().(*smithyhttp.Request)
	req.Method = http.MethodPost
	r, err := req.SetStream(strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	return r.Build(context.Background()).Body
}

// net/http checks for bytes past Content-Length with io.Copy(io.Discard, body) after writing the body; smithy may
// have closed the body by then. Through readOnlyBody that check sees a clean end of stream.
func TestReadOnlyBodyAfterSmithyClose(t *testing.T) {
	body := smithyBody(t, "Action=GetCallerIdentity&Version=2011-06-15")
	if _, err := io.ReadAll(io.LimitReader(body, 43)); err != nil {
		t.Fatal(err)
	}
	if err := body.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, body); errors.Is(err, io.EOF) {
		t.Logf("smithy's closed body still reports io.EOF through WriteTo (the race HTTPClient works around)")
	}
	if _, ok := any(readOnlyBody{body}).(io.WriterTo); ok {
		t.Fatal("readOnlyBody must not implement io.WriterTo")
	}
	if n, err := io.Copy(io.Discard, readOnlyBody{body}); n != 0 || err != nil {
		t.Fatalf("io.Copy of a closed guarded body = %d, %v; want 0, nil", n, err)
	}
}

func TestHTTPClientSendsBody(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()

	const payload = "Action=GetCallerIdentity&Version=2011-06-15"
	req, err := http.NewRequest(http.MethodPost, srv.URL, smithyBody(t, payload))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(payload))
	resp, err := HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != "ok" {
		t.Errorf("response %q", b)
	}
	if s := <-got; s != payload {
		t.Errorf("server got %q, want %q", s, payload)
	}
}

func TestHTTPClientBoundsAnAttempt(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)

	old := AttemptTimeout
	AttemptTimeout = 200 * time.Millisecond
	defer func() { AttemptTimeout = old }()

	client := sts.New(sts.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       HTTPClient(),
	})
	done := make(chan error, 1)
	go func() {
		_, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a silent endpoint answered?")
		}
		if c := Classify(err); c != ClassNetwork {
			t.Errorf("Classify(%v) = %v, want network", err, c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the attempt was not bounded")
	}
}
