package localaws_test

// SigV4 verification over the wire: the real SDK clients for credential errors, hand-signed raw requests
// (the SDK's own v4 signer) for tampering, stale dates and unauthenticated requests.

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kagi-cli/kagi/awsx/localaws"
)

const stsCallerIdentityBody = "Action=GetCallerIdentity&Version=2011-06-15"

func TestSigV4CredentialErrors(t *testing.T) {
	srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
	gci := func(c aws.Credentials) error {
		_, err := stsClientFor(t, url, c).GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		return err
	}

	t.Run("unknown key id", func(t *testing.T) {
		err := gci(aws.Credentials{AccessKeyID: "AKIAUNKNOWNUNKNOWN00", SecretAccessKey: seed.SecretAccessKey})
		stsWantStatus(t, err, "InvalidClientTokenId", http.StatusForbidden)
		err = gci(aws.Credentials{AccessKeyID: "ASIAUNKNOWNUNKNOWN00", SecretAccessKey: "x", SessionToken: "token"})
		stsWantStatus(t, err, "InvalidClientTokenId", http.StatusForbidden)
	})

	t.Run("wrong secret", func(t *testing.T) {
		err := gci(aws.Credentials{AccessKeyID: seed.AccessKeyID, SecretAccessKey: seed.SecretAccessKey + "x"})
		stsWantStatus(t, err, "SignatureDoesNotMatch", http.StatusForbidden)
		_, err = iamClient(t, url, seed.AccessKeyID, "wrong", "").GetUser(wireCtx, &iam.GetUserInput{})
		stsWantStatus(t, err, "SignatureDoesNotMatch", http.StatusForbidden)
	})

	t.Run("long-term key with a session token", func(t *testing.T) {
		err := gci(aws.Credentials{AccessKeyID: seed.AccessKeyID, SecretAccessKey: seed.SecretAccessKey, SessionToken: "IQoJb3JpZ2luX2VjEbogus"})
		stsWantStatus(t, err, "InvalidClientTokenId", http.StatusForbidden)
	})

	t.Run("inactive key", func(t *testing.T) {
		id2, secret2, err := srv.CreateAccessKeyFor("alice")
		mustOK(t, err, "CreateAccessKeyFor")
		key2 := aws.Credentials{AccessKeyID: id2, SecretAccessKey: secret2}
		mustOK(t, gci(key2), "GetCallerIdentity with the new key")
		admin := iamClientFor(t, url, stsAliceMFA(t, srv, url, seed))
		_, err = admin.UpdateAccessKey(wireCtx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(id2), Status: iamtypes.StatusTypeInactive})
		mustOK(t, err, "UpdateAccessKey Inactive")
		stsWantStatus(t, gci(key2), "InvalidClientTokenId", http.StatusForbidden)
		_, err = admin.UpdateAccessKey(wireCtx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(id2), Status: iamtypes.StatusTypeActive})
		mustOK(t, err, "UpdateAccessKey Active")
		mustOK(t, gci(key2), "GetCallerIdentity with the reactivated key")
	})

	t.Run("session token altered", func(t *testing.T) {
		sess := sessionToken(t, url, seed.AccessKeyID, seed.SecretAccessKey)
		mustOK(t, gci(sess), "GetCallerIdentity with the session")
		for _, token := range []string{sess.SessionToken[:len(sess.SessionToken)-1] + "A", sess.SessionToken + "A", ""} {
			if token == sess.SessionToken {
				continue
			}
			bad := sess
			bad.SessionToken = token
			stsWantStatus(t, gci(bad), "InvalidClientTokenId", http.StatusForbidden)
		}
		bad := sess
		bad.SecretAccessKey += "x"
		stsWantErr(t, gci(bad), "SignatureDoesNotMatch")
	})
}

func TestSigV4RawRequests(t *testing.T) {
	_, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
	key := stsAliceKey(seed)

	t.Run("valid hand-signed request", func(t *testing.T) {
		resp, body := stsSend(t, stsSignedRequest(t, url, stsCallerIdentityBody, key, "sts", time.Now(), nil))
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<Arn>arn:aws:iam::"+testAccount+":user/alice</Arn>") {
			t.Fatalf("HTTP %d: %s", resp.StatusCode, body)
		}
		if resp.Header.Get("X-Amzn-RequestId") == "" || !strings.Contains(string(body), "<RequestId>") {
			t.Fatalf("no request id: %v %s", resp.Header, body)
		}
	})

	t.Run("no Authorization header", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(stsCallerIdentityBody))
		mustOK(t, err, "new request")
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, body := stsSend(t, req)
		stsWantRawErr(t, resp, body, "MissingAuthenticationToken")
		// The same over GET with the parameters in the query string.
		req, err = http.NewRequest(http.MethodGet, url+"/?"+stsCallerIdentityBody, nil)
		mustOK(t, err, "new request")
		resp, body = stsSend(t, req)
		stsWantRawErr(t, resp, body, "MissingAuthenticationToken")
	})

	t.Run("body tampered after signing", func(t *testing.T) {
		const signed, tampered = stsCallerIdentityBody + "&Pad=aaaa", stsCallerIdentityBody + "&Pad=bbbb"
		req := stsSignedRequest(t, url, signed, key, "sts", time.Now(), nil)
		resp, body := stsSend(t, stsWithBody(req, tampered))
		stsWantRawErr(t, resp, body, "SignatureDoesNotMatch")
	})

	t.Run("body tampered with a signed payload hash header", func(t *testing.T) {
		const signed, tampered = stsCallerIdentityBody + "&Pad=aaaa", stsCallerIdentityBody + "&Pad=bbbb"
		sum := sha256.Sum256([]byte(signed))
		req := stsSignedRequest(t, url, signed, key, "sts", time.Now(), map[string]string{"X-Amz-Content-Sha256": hex.EncodeToString(sum[:])})
		// Untampered, the header is fine.
		resp, body := stsSend(t, stsWithBody(req.Clone(req.Context()), signed))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("untampered request with X-Amz-Content-Sha256: HTTP %d %s", resp.StatusCode, body)
		}
		resp, body = stsSend(t, stsWithBody(req, tampered))
		stsWantRawErr(t, resp, body, "SignatureDoesNotMatch")
	})

	t.Run("signed header changed", func(t *testing.T) {
		req := stsSignedRequest(t, url, stsCallerIdentityBody, key, "sts", time.Now(), map[string]string{"X-Amz-Meta-Note": "one"})
		req.Header.Set("X-Amz-Meta-Note", "two")
		resp, body := stsSend(t, req)
		stsWantRawErr(t, resp, body, "SignatureDoesNotMatch")
	})

	t.Run("stale and future X-Amz-Date", func(t *testing.T) {
		for _, off := range []time.Duration{-20 * time.Minute, 20 * time.Minute} {
			resp, body := stsSend(t, stsSignedRequest(t, url, stsCallerIdentityBody, key, "sts", time.Now().Add(off), nil))
			doc := stsWantRawErr(t, resp, body, "SignatureDoesNotMatch")
			if !strings.Contains(doc.Error.Message, "Signature expired") {
				t.Fatalf("offset %s: message %q, want Signature expired", off, doc.Error.Message)
			}
		}
		// Within the 15-minute window the signature is accepted.
		resp, body := stsSend(t, stsSignedRequest(t, url, stsCallerIdentityBody, key, "sts", time.Now().Add(-10*time.Minute), nil))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("10 minutes old: HTTP %d %s", resp.StatusCode, body)
		}
	})

	t.Run("unknown Action", func(t *testing.T) {
		resp, body := stsSend(t, stsSignedRequest(t, url, "Action=GetFlagOfTruce&Version=2011-06-15", key, "sts", time.Now(), nil))
		stsWantRawErr(t, resp, body, "InvalidAction")
		resp, body = stsSend(t, stsSignedRequest(t, url, "Action=GetCallerIdentity&Version=2099-01-01", key, "sts", time.Now(), nil))
		stsWantRawErr(t, resp, body, "InvalidAction")
	})

	t.Run("malformed Authorization", func(t *testing.T) {
		for _, authz := range []string{
			"AWS4-HMAC-SHA256 Credential=" + seed.AccessKeyID,
			"AWS " + seed.AccessKeyID + ":c2lnbmF0dXJl",
			"AWS4-HMAC-SHA256 Credential=" + seed.AccessKeyID + "/20990101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
		} {
			req := stsSignedRequest(t, url, stsCallerIdentityBody, key, "sts", time.Now(), nil)
			req.Header.Set("Authorization", authz)
			resp, body := stsSend(t, req)
			if resp.StatusCode < 400 || resp.StatusCode > 499 {
				t.Fatalf("%q: HTTP %d", authz, resp.StatusCode)
			}
			if _, err := stsParseError(body); err != nil {
				t.Fatalf("%q: %v", authz, err)
			}
		}
	})
}

// The SDK corrects its signing time by the skew between its clock and the response's Date header. Moving the
// endpoint's clock (for TOTP or expiry) must not make a long-lived client sign requests the endpoint rejects.
func TestSigV4EndpointClockDoesNotSkewSigning(t *testing.T) {
	srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
	client := stsClientFor(t, url, stsAliceKey(seed))
	for i, d := range []time.Duration{0, 48 * time.Hour, 0, 20 * time.Minute, 0} {
		srv.Clock().Advance(d)
		out, err := client.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity after moving the endpoint clock")
		if id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); !ok || id == "" {
			t.Fatalf("call %d: no request id", i)
		}
	}
}

// stsWithBody replaces a request's body, keeping its headers (and signature).
func stsWithBody(req *http.Request, body string) *http.Request {
	req.Body, req.GetBody, req.ContentLength = io.NopCloser(strings.NewReader(body)), nil, int64(len(body))
	return req
}
