package localaws_test

// The test knobs: injected faults (in-process and over /_localaws/faults), call counters, the clock endpoint,
// concurrency and the loopback-only listener.

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kagi-cli/kagi/awsx/localaws"
)

// stsKnob sends a request to a /_localaws endpoint and returns the response and body.
func stsKnob(t *testing.T, method, url, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	mustOK(t, err, "new request")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return stsSend(t, req)
}

func stsGetCalls(t *testing.T, base string) localaws.CallStats {
	t.Helper()
	resp, body := stsKnob(t, http.MethodGet, base+"/_localaws/calls", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /_localaws/calls: HTTP %d %s", resp.StatusCode, body)
	}
	var raw map[string]map[string]int
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("calls JSON: %v (%s)", err, body)
	}
	if _, ok := raw["calls"]; !ok {
		t.Fatalf("calls JSON without \"calls\": %s", body)
	}
	if _, ok := raw["errors"]; !ok {
		t.Fatalf("calls JSON without \"errors\": %s", body)
	}
	return localaws.CallStats{Calls: raw["calls"], Errors: raw["errors"]}
}

func TestKnobFaults(t *testing.T) {
	t.Run("Throttling once", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		client := stsClientFor(t, url, stsAliceKey(seed))
		srv.InjectFault("GetSessionToken", localaws.Fault{Code: "Throttling", Times: 1})
		_, err := client.GetSessionToken(wireCtx, &sts.GetSessionTokenInput{})
		if msg := stsWantErr(t, err, "Throttling"); msg == "" {
			t.Fatalf("Throttling without a message")
		}
		if s := stsStatusOf(err); s != http.StatusBadRequest {
			t.Fatalf("Throttling: HTTP %d, want 400", s)
		}
		_, err = client.GetSessionToken(wireCtx, &sts.GetSessionTokenInput{})
		mustOK(t, err, "GetSessionToken after the one-shot fault")
		// Other actions were never affected.
		_, err = client.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity")
	})

	t.Run("ServiceUnavailable", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		client := stsClientFor(t, url, stsAliceKey(seed))
		srv.InjectFault("GetCallerIdentity", localaws.Fault{Code: "ServiceUnavailable", Times: 2})
		for range 2 {
			_, err := client.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
			wantCode(t, err, "ServiceUnavailable")
			if s := stsStatusOf(err); s != http.StatusServiceUnavailable {
				t.Fatalf("ServiceUnavailable: HTTP %d, want 503", s)
			}
		}
		_, err := client.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity after the fault ran out")
	})

	t.Run("persistent fault until cleared", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		client := stsClientFor(t, url, stsAliceKey(seed))
		srv.InjectFault("GetCallerIdentity", localaws.Fault{Code: "InternalFailure", Message: "boom"})
		for range 3 {
			_, err := client.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
			wantCode(t, err, "InternalFailure")
			if s := stsStatusOf(err); s != http.StatusInternalServerError {
				t.Fatalf("InternalFailure: HTTP %d, want 500", s)
			}
		}
		srv.ClearFaults()
		_, err := client.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity after ClearFaults")
	})

	t.Run("Latency", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		client := stsClientFor(t, url, stsAliceKey(seed))
		const lat = 150 * time.Millisecond
		srv.InjectFault("GetCallerIdentity", localaws.Fault{Latency: lat, Times: 1})
		start := time.Now()
		_, err := client.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity with latency only")
		if el := time.Since(start); el < lat {
			t.Fatalf("call took %s, want at least %s", el, lat)
		}
	})

	t.Run("wildcard", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		key := stsAliceKey(seed)
		srv.InjectFault("*", localaws.Fault{Code: "Throttling"})
		_, err := stsClientFor(t, url, key).GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		stsWantErr(t, err, "Throttling")
		_, err = iamClientFor(t, url, key).GetUser(wireCtx, &iam.GetUserInput{})
		stsWantErr(t, err, "Throttling")
		// A fault for the action itself wins over the wildcard.
		srv.InjectFault("GetUser", localaws.Fault{Code: "ServiceUnavailable"})
		_, err = iamClientFor(t, url, key).GetUser(wireCtx, &iam.GetUserInput{})
		wantCode(t, err, "ServiceUnavailable")
		srv.ClearFaults()
		_, err = iamClientFor(t, url, key).GetUser(wireCtx, &iam.GetUserInput{})
		mustOK(t, err, "GetUser after ClearFaults")
	})

	t.Run("over HTTP", func(t *testing.T) {
		_, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		client := stsClientFor(t, url, stsAliceKey(seed))
		resp, body := stsKnob(t, http.MethodPost, url+"/_localaws/faults",
			`{"action":"GetCallerIdentity","fault":{"code":"Throttling","latency":"20ms","times":1}}`)
		if resp.StatusCode/100 != 2 {
			t.Fatalf("POST /_localaws/faults: HTTP %d %s", resp.StatusCode, body)
		}
		start := time.Now()
		_, err := client.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		stsWantErr(t, err, "Throttling")
		if el := time.Since(start); el < 20*time.Millisecond {
			t.Fatalf("latency not applied: %s", el)
		}
		_, err = client.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity after the one-shot fault")

		resp, _ = stsKnob(t, http.MethodPost, url+"/_localaws/faults", `{"action":"*","fault":{"code":"ServiceUnavailable"}}`)
		if resp.StatusCode/100 != 2 {
			t.Fatalf("POST /_localaws/faults: HTTP %d", resp.StatusCode)
		}
		_, err = client.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		wantCode(t, err, "ServiceUnavailable")
		resp, _ = stsKnob(t, http.MethodDelete, url+"/_localaws/faults", "")
		if resp.StatusCode/100 != 2 {
			t.Fatalf("DELETE /_localaws/faults: HTTP %d", resp.StatusCode)
		}
		_, err = client.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity after DELETE /_localaws/faults")

		for _, bad := range []string{`{}`, `{"action":"X","fault":{"latency":"soon"}}`, `not json`} {
			if resp, _ := stsKnob(t, http.MethodPost, url+"/_localaws/faults", bad); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("POST %s: HTTP %d, want 400", bad, resp.StatusCode)
			}
		}
	})
}

func TestKnobCalls(t *testing.T) {
	srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
	client := stsClientFor(t, url, stsAliceKey(seed))
	if resp, _ := stsKnob(t, http.MethodDelete, url+"/_localaws/calls", ""); resp.StatusCode/100 != 2 {
		t.Fatalf("DELETE /_localaws/calls: HTTP %d", resp.StatusCode)
	}
	if got := stsGetCalls(t, url); len(got.Calls) != 0 || len(got.Errors) != 0 {
		t.Fatalf("after reset: %+v", got)
	}
	for range 2 {
		_, err := client.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity")
	}
	_, err := stsAssume(t, url, stsAliceKey(seed), stsAdminRoleARN, "alice", 0)
	stsWantErr(t, err, "AccessDenied")
	_, err = stsAssume(t, url, stsAliceKey(seed), stsAdminRoleARN, "x", 0)
	stsWantErr(t, err, "ValidationError")
	srv.InjectFault("GetSessionToken", localaws.Fault{Code: "Throttling", Times: 1})
	_, err = client.GetSessionToken(wireCtx, &sts.GetSessionTokenInput{})
	stsWantErr(t, err, "Throttling")

	got := stsGetCalls(t, url)
	wantCalls := map[string]int{"GetCallerIdentity": 2, "AssumeRole": 2, "GetSessionToken": 1}
	wantErrors := map[string]int{"AssumeRole:AccessDenied": 1, "AssumeRole:ValidationError": 1, "GetSessionToken:Throttling": 1}
	for k, v := range wantCalls {
		if got.Calls[k] != v {
			t.Fatalf("calls[%s] = %d, want %d (%v)", k, got.Calls[k], v, got.Calls)
		}
	}
	for k, v := range wantErrors {
		if got.Errors[k] != v {
			t.Fatalf("errors[%s] = %d, want %d (%v)", k, got.Errors[k], v, got.Errors)
		}
	}
	if len(got.Calls) != len(wantCalls) || len(got.Errors) != len(wantErrors) {
		t.Fatalf("unexpected entries: %+v", got)
	}
	if inproc := srv.Calls(); inproc.Calls["GetCallerIdentity"] != 2 {
		t.Fatalf("Server.Calls disagrees: %+v", inproc)
	}

	if resp, _ := stsKnob(t, http.MethodDelete, url+"/_localaws/calls", ""); resp.StatusCode/100 != 2 {
		t.Fatalf("DELETE /_localaws/calls: HTTP %d", resp.StatusCode)
	}
	if got := stsGetCalls(t, url); len(got.Calls) != 0 || len(got.Errors) != 0 {
		t.Fatalf("after DELETE: %+v", got)
	}
	if resp, _ := stsKnob(t, http.MethodPut, url+"/_localaws/calls", ""); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("PUT /_localaws/calls: HTTP %d, want 405", resp.StatusCode)
	}
}

func TestKnobClock(t *testing.T) {
	srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
	before := srv.Clock().Now()
	resp, body := stsKnob(t, http.MethodPost, url+"/_localaws/clock", `{"advance":"1h"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /_localaws/clock: HTTP %d %s", resp.StatusCode, body)
	}
	if got := srv.Clock().Now().Sub(before); got != time.Hour {
		t.Fatalf("clock moved %s, want 1h", got)
	}
	var out struct{ Now string }
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("clock JSON: %v %s", err, body)
	}
	if ts, err := time.Parse(time.RFC3339, out.Now); err != nil || !ts.Equal(before.Add(time.Hour)) {
		t.Fatalf("reported now %q, want %s", out.Now, before.Add(time.Hour))
	}
	if resp, body := stsKnob(t, http.MethodGet, url+"/_localaws/clock", ""); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), before.Add(time.Hour).Format(time.RFC3339)) {
		t.Fatalf("GET /_localaws/clock: HTTP %d %s", resp.StatusCode, body)
	}
	for _, bad := range []string{`{"advance":"soon"}`, `nope`} {
		if resp, _ := stsKnob(t, http.MethodPost, url+"/_localaws/clock", bad); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("POST %s: HTTP %d, want 400", bad, resp.StatusCode)
		}
	}
	// The moved clock drives TOTP: the code for the new time works.
	out2, err := stsClientFor(t, url, stsAliceKey(seed)).GetSessionToken(wireCtx, &sts.GetSessionTokenInput{
		SerialNumber: aws.String(seed.MFASerial), TokenCode: aws.String(localaws.CodeAt(seed.MFASecret, srv.Clock().Now())),
	})
	mustOK(t, err, "GetSessionToken with the code for the moved clock")
	if got, want := aws.ToTime(out2.Credentials.Expiration), before.Add(time.Hour+12*time.Hour); !got.Equal(want) {
		t.Fatalf("Expiration %s, want %s", got, want)
	}
}

func TestKnobConcurrentCalls(t *testing.T) {
	srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
	client := stsClientFor(t, url, stsAliceKey(seed))
	role := stsMustAssume(t, url, stsAliceMFA(t, srv, url, seed), stsAdminRoleARN, "alice", 0)
	roleClient := stsClientFor(t, url, role)
	srv.ResetCalls()
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client
			if i%2 == 1 {
				c = roleClient
			}
			_, err := c.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
			errs <- err
			if i%8 == 0 {
				srv.Clock().Advance(time.Second) // the clock moves under load too
				_ = srv.Calls()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		mustOK(t, err, "concurrent GetCallerIdentity")
	}
	if got := srv.Calls().Calls["GetCallerIdentity"]; got != n {
		t.Fatalf("counted %d calls, want %d", got, n)
	}
}

func TestKnobStartLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "[::]:0", "example.com:0", "nonsense"} {
		srv := localaws.New(localaws.Options{})
		if url, err := srv.Start(addr); err == nil {
			_ = srv.Close()
			t.Fatalf("Start(%q) = %s, want a refusal", addr, url)
		}
	}
	srv := localaws.New(localaws.Options{})
	url, err := srv.Start("")
	mustOK(t, err, "Start on the default loopback address")
	defer srv.Close()
	if !strings.HasPrefix(url, "http://127.0.0.1:") || srv.URL() != url {
		t.Fatalf("URL = %s", url)
	}
}

func TestMFACodeIntrospection(t *testing.T) {
	srv := localaws.New(localaws.Options{})
	seeded, err := srv.Seed(localaws.ScenarioOnboarded)
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	srv.Clock().Set(time.Now())
	for _, query := range []string{"?serial=" + seeded.MFASerial, ""} {
		resp, err := http.Get(url + "/_localaws/mfa-code" + query)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Serial string `json:"serial"`
			Code   string `json:"code"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || out.Serial != seeded.MFASerial || out.Code != localaws.CodeAt(seeded.MFASecret, srv.Clock().Now()) {
			t.Fatalf("mfa-code%s: %+v %v", query, out, err)
		}
	}
	resp, err := http.Get(url + "/_localaws/mfa-code?serial=arn:aws:iam::000000000000:mfa/nobody")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown serial: %d", resp.StatusCode)
	}
}
