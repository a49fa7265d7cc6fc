package localaws_test

// FuzzRequest throws arbitrary Query-protocol requests at Server.ServeHTTP. Some are sent with the fuzzed
// Authorization headers as they are; others are signed for real (with the seeded user's key, its MFA session
// or an admin role session), so the fuzzer gets past SigV4 into every IAM and STS handler.
//
// Invariants: no panic, never a 5xx, and every non-2xx answer is an XML ErrorResponse with a Code.
//
//	go test -run='^$' -fuzz=FuzzRequest -fuzztime=30s ./awsx/localaws/

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/kagi-cli/kagi/awsx/localaws"
)

const stsFuzzHost = "localaws.test"

// stsFuzzRequest builds an in-process request; if creds is set it is signed for service at time at.
func stsFuzzRequest(post bool, query string, body []byte, creds *aws.Credentials, service string, at time.Time) *http.Request {
	method := http.MethodGet
	if post {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, "http://"+stsFuzzHost+"/", bytes.NewReader(body))
	if err != nil {
		panic(err) // a constant URL and method
	}
	req.URL.RawQuery = query
	req.RemoteAddr = "127.0.0.1:40000"
	if post {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	if creds != nil {
		sum := sha256.Sum256(body)
		_ = v4.NewSigner().SignHTTP(context.Background(), *creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", at)
	}
	return req
}

// stsServe runs one request in-process.
func stsServe(srv *localaws.Server, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec
}

// stsFuzzCreds calls an STS action in-process and returns the credentials it issued.
func stsFuzzCreds(t testing.TB, srv *localaws.Server, creds aws.Credentials, params url.Values) aws.Credentials {
	t.Helper()
	params.Set("Version", "2011-06-15")
	rec := stsServe(srv, stsFuzzRequest(true, "", []byte(params.Encode()), &creds, "sts", time.Now()))
	var out struct {
		Creds struct {
			AccessKeyId, SecretAccessKey, SessionToken string
		} `xml:"Credentials"`
	}
	// <ActionResponse><ActionResult><Credentials>: decode the Result element whatever its name.
	dec := xml.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	for {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%s: HTTP %d %s", params.Get("Action"), rec.Code, rec.Body)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == params.Get("Action")+"Result" {
			if err := dec.DecodeElement(&out, &se); err != nil || out.Creds.AccessKeyId == "" {
				t.Fatalf("%s: %v %s", params.Get("Action"), err, rec.Body)
			}
			break
		}
	}
	return aws.Credentials{AccessKeyID: out.Creds.AccessKeyId, SecretAccessKey: out.Creds.SecretAccessKey, SessionToken: out.Creds.SessionToken}
}

func FuzzRequest(f *testing.F) {
	srv := localaws.New(localaws.Options{})
	seed, err := srv.Seed(localaws.ScenarioOnboarded)
	if err != nil {
		f.Fatal(err)
	}
	key := stsAliceKey(seed)
	mfa := stsFuzzCreds(f, srv, key, url.Values{"Action": {"GetSessionToken"},
		"SerialNumber": {seed.MFASerial}, "TokenCode": {localaws.CodeAt(seed.MFASecret, srv.Clock().Now())}})
	admin := stsFuzzCreds(f, srv, mfa, url.Values{"Action": {"AssumeRole"},
		"RoleArn": {seed.Roles["iam-role-admin"]}, "RoleSessionName": {"fuzz"}})
	signers := []struct {
		creds   *aws.Credentials
		service string
	}{
		{nil, ""}, // mode 0: the fuzzed headers as they are
		{&key, "sts"}, {&key, "iam"},
		{&mfa, "sts"}, {&mfa, "iam"},
		{&admin, "sts"}, {&admin, "iam"},
	}

	// Seed: a valid signed GetCallerIdentity, captured from a real signing, replayed through mode 0.
	valid := stsFuzzRequest(true, "", []byte(stsCallerIdentityBody), &key, "sts", time.Now())
	if rec := stsServe(srv, stsFuzzRequest(true, "", []byte(stsCallerIdentityBody), &key, "sts", time.Now())); rec.Code != http.StatusOK {
		f.Fatalf("seed request: HTTP %d %s", rec.Code, rec.Body)
	}
	authz, date := valid.Header.Get("Authorization"), valid.Header.Get("X-Amz-Date")
	f.Add(uint8(0), true, "", []byte(stsCallerIdentityBody), authz, date, "", "")
	f.Add(uint8(0), true, "", []byte(stsCallerIdentityBody+"&x=1"), authz, date, "token", "UNSIGNED-PAYLOAD")
	f.Add(uint8(0), false, stsCallerIdentityBody, []byte(nil), authz, date, "", "")
	// Garbage.
	f.Add(uint8(0), true, "", []byte("%zz&&=Action"), "AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=;, Signature=", "20990101T000000Z", "", "")
	f.Add(uint8(0), true, "Action=AssumeRole", []byte("Action=AssumeRole&Version=2011-06-15"), "AWS4-HMAC-SHA256 Credential=AKIA/x/y/sts/aws4_request,SignedHeaders=host,Signature=ab", "x", "", "")
	f.Add(uint8(0), false, "", []byte{0xff, 0x00, '<', '&'}, "", "", "", "")
	// Signed for real, reaching the handlers.
	f.Add(uint8(1), true, "", []byte("Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/iam-role-admin&RoleSessionName=ss&DurationSeconds=99999999999999999999"), "", "", "", "")
	f.Add(uint8(1), true, "", []byte("Action=GetSessionToken&Version=2011-06-15&SerialNumber=arn:aws:iam::000000000000:mfa/alice&TokenCode=000000"), "", "", "", "")
	f.Add(uint8(3), true, "", []byte("Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/a/b/iam-role-admin&RoleSessionName=a%00b&ExternalId="), "", "", "", "")
	f.Add(uint8(4), true, "", []byte("Action=CreateVirtualMFADevice&Version=2010-05-08&VirtualMFADeviceName=phone&Path=/a/"), "", "", "", "")
	f.Add(uint8(4), true, "", []byte("Action=ChangePassword&Version=2010-05-08&OldPassword=x&NewPassword=%F0%9F%94%91"), "", "", "", "")
	f.Add(uint8(6), true, "", []byte("Action=ListAccessKeys&Version=2010-05-08&UserName=alice&MaxItems=-1&Marker=%00"), "", "", "", "")
	f.Add(uint8(6), true, "", []byte("Action=EnableMFADevice&Version=2010-05-08&UserName=alice&SerialNumber=x&AuthenticationCode1=1&AuthenticationCode2=2"), "", "", "", "")
	f.Add(uint8(6), false, "Action=GetUser&Version=2010-05-08&UserName=a%20b", []byte(nil), "", "", "", "")
	f.Add(uint8(5), true, "", []byte("Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/iam-role-operator&RoleSessionName=chain&DurationSeconds=3601"), "", "", "", "")

	f.Fuzz(func(t *testing.T, mode uint8, post bool, query string, body []byte, authz, amzDate, token, contentSHA string) {
		s := signers[int(mode)%len(signers)]
		var req *http.Request
		if s.creds == nil {
			req = stsFuzzRequest(post, query, body, nil, "", time.Time{})
			for name, v := range map[string]string{"Authorization": authz, "X-Amz-Date": amzDate, "X-Amz-Security-Token": token, "X-Amz-Content-Sha256": contentSHA} {
				if v != "" {
					req.Header.Set(name, v)
				}
			}
		} else {
			req = stsFuzzRequest(post, query, body, s.creds, s.service, time.Now())
		}
		rec := stsServe(srv, req)
		if rec.Code >= 500 {
			t.Fatalf("HTTP %d for %s %q body %q: %s", rec.Code, req.Method, query, body, rec.Body)
		}
		if rec.Code < 200 || rec.Code > 299 {
			if _, err := stsParseError(rec.Body.Bytes()); err != nil {
				t.Fatalf("HTTP %d without an ErrorResponse (%v): %s", rec.Code, err, rec.Body)
			}
		}
	})
}
