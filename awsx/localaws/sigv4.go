package localaws

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// sigv4Auth is what the Authorization header of a SigV4 request claims.
type sigv4Auth struct {
	accessKeyID   string
	date          string // yyyymmdd from the credential scope
	region        string
	service       string
	signedHeaders []string
	signature     string
	amzDate       time.Time
}

// maxRequestSkew is how far a request's X-Amz-Date may be from the endpoint's clock (AWS: 15 minutes).
const maxRequestSkew = 15 * time.Minute

// parseAuthorization parses "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iam/aws4_request,
// SignedHeaders=a;b, Signature=hex".
func parseAuthorization(r *http.Request) (*sigv4Auth, *apiError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, errf(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
	}
	const algo = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(h, algo) {
		return nil, errf(http.StatusBadRequest, "IncompleteSignature", "Unsupported AWS 'algorithm': only AWS4-HMAC-SHA256 is accepted")
	}
	a := &sigv4Auth{}
	for _, part := range strings.Split(h[len(algo):], ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "Credential":
			scope := strings.Split(v, "/")
			if len(scope) != 5 || scope[4] != "aws4_request" {
				return nil, errf(http.StatusBadRequest, "IncompleteSignature", "Credential should be scoped to a valid region, not a malformed scope %q", v)
			}
			a.accessKeyID, a.date, a.region, a.service = scope[0], scope[1], scope[2], scope[3]
		case "SignedHeaders":
			a.signedHeaders = strings.Split(v, ";")
		case "Signature":
			a.signature = v
		}
	}
	if a.accessKeyID == "" || len(a.signedHeaders) == 0 || a.signature == "" {
		return nil, errf(http.StatusBadRequest, "IncompleteSignature", "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters")
	}
	amz := r.Header.Get("X-Amz-Date")
	t, err := time.Parse("20060102T150405Z", amz)
	if err != nil {
		return nil, errf(http.StatusBadRequest, "IncompleteSignature", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header")
	}
	if t.Format("20060102") != a.date {
		return nil, errf(http.StatusForbidden, "SignatureDoesNotMatch", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP")
	}
	a.amzDate = t
	return a, nil
}

// verifySignature recomputes the request's signature with the SDK's own v4 signer from exactly the headers
// the client signed, and compares it in constant time.
func verifySignature(r *http.Request, body []byte, a *sigv4Auth, creds aws.Credentials, now time.Time) *apiError {
	if d := now.Sub(a.amzDate); d > maxRequestSkew || d < -maxRequestSkew {
		return errf(http.StatusForbidden, "SignatureDoesNotMatch", "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			a.amzDate.Format("20060102T150405Z"), now.Add(-maxRequestSkew).Format("20060102T150405Z"), now.Format("20060102T150405Z"))
	}
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	clone, err := http.NewRequestWithContext(context.Background(), r.Method, u.String(), nil)
	if err != nil {
		return errf(http.StatusBadRequest, "IncompleteSignature", "The request URL could not be parsed")
	}
	clone.Host = r.Host
	for _, name := range a.signedHeaders {
		switch name {
		case "host":
		case "content-length":
			clone.ContentLength = int64(len(body))
		default:
			for _, v := range r.Header.Values(name) {
				clone.Header.Add(name, v)
			}
		}
	}
	// The canonical request always hashes the body actually received. An X-Amz-Content-Sha256 header is only
	// the client's claim (signed as a header if the client listed it), so trusting it would let a body be
	// swapped under a valid signature; IAM and STS take no unsigned payloads.
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = false })
	if err := signer.SignHTTP(context.Background(), creds, clone, payloadHash, a.service, a.region, a.amzDate); err != nil {
		return errf(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature could not be computed")
	}
	expected := signatureOf(clone.Header.Get("Authorization"))
	if !hmac.Equal([]byte(expected), []byte(a.signature)) {
		return errf(http.StatusForbidden, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return nil
}

func signatureOf(authorization string) string {
	_, sig, _ := strings.Cut(authorization, "Signature=")
	return sig
}
