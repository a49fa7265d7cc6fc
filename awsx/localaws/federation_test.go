package localaws_test

// The federation endpoint (signin.aws.amazon.com/federation): getSigninToken for role sessions, login redirect.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kagi-cli/kagi/awsx/localaws"
)

const stsConsole = "https://console.aws.amazon.com/"

// stsFederation GETs /federation with params and returns the response and body (redirects not followed).
func stsFederation(t *testing.T, base string, params url.Values) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/federation?"+params.Encode(), nil)
	mustOK(t, err, "new request")
	return stsSend(t, req)
}

// stsSessionJSON is the Session parameter of getSigninToken.
func stsSessionJSON(c aws.Credentials) string {
	b, _ := json.Marshal(map[string]string{"sessionId": c.AccessKeyID, "sessionKey": c.SecretAccessKey, "sessionToken": c.SessionToken})
	return string(b)
}

// stsSigninToken asks for a sign-in token; extra adds parameters (e.g. SessionDuration).
func stsSigninToken(t *testing.T, base string, c aws.Credentials, extra url.Values) (int, string) {
	t.Helper()
	params := url.Values{"Action": {"getSigninToken"}, "Session": {stsSessionJSON(c)}}
	for k, v := range extra {
		params[k] = v
	}
	resp, body := stsFederation(t, base, params)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, ""
	}
	var out struct{ SigninToken string }
	if err := json.Unmarshal(body, &out); err != nil || out.SigninToken == "" {
		t.Fatalf("getSigninToken: want JSON {\"SigninToken\":…}, got %s (%v)", body, err)
	}
	return resp.StatusCode, out.SigninToken
}

func stsLogin(t *testing.T, base, token, destination string) *http.Response {
	t.Helper()
	resp, _ := stsFederation(t, base, url.Values{
		"Action": {"login"}, "Issuer": {"https://kagi.example/"}, "Destination": {destination}, "SigninToken": {token},
	})
	return resp
}

func TestFederation(t *testing.T) {
	srv, base, seed := stsSeeded(t, localaws.ScenarioOnboarded)
	mfa := stsAliceMFA(t, srv, base, seed)
	admin := stsMustAssume(t, base, mfa, stsAdminRoleARN, "alice-console", 0)

	t.Run("role session gets a token and logs in", func(t *testing.T) {
		status, token := stsSigninToken(t, base, admin, nil)
		if status != http.StatusOK {
			t.Fatalf("getSigninToken: HTTP %d", status)
		}
		resp := stsLogin(t, base, token, stsConsole)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != stsConsole {
			t.Fatalf("login: HTTP %d Location %q, want 302 to %s", resp.StatusCode, resp.Header.Get("Location"), stsConsole)
		}
	})

	t.Run("SessionDuration", func(t *testing.T) {
		for _, d := range []string{"900", "43200"} {
			if status, _ := stsSigninToken(t, base, admin, url.Values{"SessionDuration": {d}}); status != http.StatusOK {
				t.Fatalf("SessionDuration %s: HTTP %d", d, status)
			}
		}
		for _, d := range []string{"899", "43201", "1h", "-1"} {
			if status, _ := stsSigninToken(t, base, admin, url.Values{"SessionDuration": {d}}); status != http.StatusBadRequest {
				t.Fatalf("SessionDuration %s: HTTP %d, want 400", d, status)
			}
		}
	})

	t.Run("GetSessionToken credentials are refused", func(t *testing.T) {
		for _, c := range []aws.Credentials{mfa, sessionToken(t, base, seed.AccessKeyID, seed.SecretAccessKey)} {
			if status, _ := stsSigninToken(t, base, c, nil); status != http.StatusBadRequest {
				t.Fatalf("GetSessionToken session: HTTP %d, want 400", status)
			}
		}
	})

	t.Run("long-term key is refused", func(t *testing.T) {
		if status, _ := stsSigninToken(t, base, stsAliceKey(seed), nil); status != http.StatusBadRequest {
			t.Fatalf("long-term key: HTTP %d, want 400", status)
		}
	})

	t.Run("chained session with SessionDuration", func(t *testing.T) {
		chained := stsMustAssume(t, base, admin, stsOperatorRoleARN, "chained", 0)
		if status, _ := stsSigninToken(t, base, chained, url.Values{"SessionDuration": {"3600"}}); status != http.StatusBadRequest {
			t.Fatalf("chained + SessionDuration: HTTP %d, want 400", status)
		}
		if status, _ := stsSigninToken(t, base, chained, nil); status != http.StatusOK {
			t.Fatalf("chained without SessionDuration: HTTP %d, want 200", status)
		}
	})

	t.Run("bad session", func(t *testing.T) {
		wrongKey := admin
		wrongKey.SecretAccessKey += "x"
		wrongToken := admin
		wrongToken.SessionToken += "x"
		for name, session := range map[string]string{
			"wrong key":   stsSessionJSON(wrongKey),
			"wrong token": stsSessionJSON(wrongToken),
			"not JSON":    "{sessionId",
			"empty":       "",
		} {
			resp, _ := stsFederation(t, base, url.Values{"Action": {"getSigninToken"}, "Session": {session}})
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("%s: HTTP %d, want 400", name, resp.StatusCode)
			}
		}
		resp, _ := stsFederation(t, base, url.Values{"Action": {"nonsense"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("unknown Action: HTTP %d, want 400", resp.StatusCode)
		}
	})

	t.Run("bad token or destination", func(t *testing.T) {
		if resp := stsLogin(t, base, "not-a-token", stsConsole); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad token: HTTP %d, want 400", resp.StatusCode)
		}
		_, token := stsSigninToken(t, base, admin, nil)
		for _, dest := range []string{"http://console.aws.amazon.com/", "javascript:alert(1)", ""} {
			if resp := stsLogin(t, base, token, dest); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("destination %q: HTTP %d, want 400", dest, resp.StatusCode)
			}
		}
	})

	t.Run("token lifetime is 15 minutes", func(t *testing.T) {
		_, early := stsSigninToken(t, base, admin, nil)
		_, late := stsSigninToken(t, base, admin, nil)
		srv.Clock().Advance(14 * time.Minute)
		if resp := stsLogin(t, base, early, stsConsole); resp.StatusCode != http.StatusFound {
			t.Fatalf("14 minutes old: HTTP %d, want 302", resp.StatusCode)
		}
		srv.Clock().Advance(2 * time.Minute)
		if resp := stsLogin(t, base, late, stsConsole); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("16 minutes old: HTTP %d, want 400", resp.StatusCode)
		}
	})

	t.Run("expired role session", func(t *testing.T) {
		srv.Clock().Advance(2 * time.Hour)
		if status, _ := stsSigninToken(t, base, admin, nil); status != http.StatusBadRequest {
			t.Fatalf("expired session: HTTP %d, want 400", status)
		}
		// The calls were counted under federation:<Action>.
		if n := srv.Calls().Calls["federation:getSigninToken"]; n == 0 {
			t.Fatalf("federation calls not counted: %v", srv.Calls().Calls)
		}
		_, err := stsClientFor(t, base, admin).GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		stsWantStatus(t, err, "ExpiredToken", http.StatusForbidden)
	})
}
