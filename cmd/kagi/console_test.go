package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kagi-cli/kagi/awsx"
)

// consoleGet opens a sign-in link as a browser would, without following the redirect.
func consoleGet(t *testing.T, link string) *http.Response {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestConsolePrint(t *testing.T) {
	w := kpSetup(t)
	w.addDev()
	r := w.run("console", "admin", "--print", "--mfa-token", w.code())
	if r.code != exitOK || r.stderr != "" || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("console --print: %+v", r)
	}
	link := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(link, w.env["AWS_ENDPOINT_URL"]+"/federation?") {
		t.Fatalf("sign-in link %q is not at the endpoint's federation URL", link)
	}
	resp := consoleGet(t, link)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != awsx.DefaultConsoleDestination {
		t.Fatalf("GET sign-in link: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}

	// The role session is cached now: no MFA code needed; --destination and --duration reach the endpoint.
	dest := "https://console.aws.amazon.com/s3/"
	r = w.run("console", "admin", "--print", "--destination", dest, "--duration", "1h")
	if r.code != exitOK {
		t.Fatalf("console --destination: %+v", r)
	}
	u, _ := url.Parse(strings.TrimSpace(r.stdout))
	if resp := consoleGet(t, u.String()); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != dest {
		t.Fatalf("GET sign-in link with destination: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}
	if c := w.srv.Calls().Calls; c["GetSessionToken"] != 1 || c["AssumeRole"] != 1 || c["federation:getSigninToken"] != 2 {
		t.Fatalf("calls: %v", c)
	}
}

func TestConsoleOpensBrowser(t *testing.T) {
	w := kpSetup(t)
	w.addDev()
	var opened string
	ctx := withBrowser(context.Background(), func(_ context.Context, _ awsx.Env, link string) error {
		opened = link
		return nil
	})
	r := w.runCtx(ctx, "console", "admin", "--mfa-token", w.code())
	if r.code != exitOK || r.stdout != "" || !strings.HasPrefix(r.stderr, "Opened the AWS console as profile admin in your browser") {
		t.Fatalf("console: %+v", r)
	}
	if resp := consoleGet(t, opened); resp.StatusCode != http.StatusFound {
		t.Fatalf("GET the opened link: %s", resp.Status)
	}

	// No browser: the link goes to stdout, the reason to stderr, and the command succeeds.
	ctx = withBrowser(context.Background(), func(context.Context, awsx.Env, string) error { return errors.New("xdg-open is not installed") })
	r = w.runCtx(ctx, "console", "admin")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, w.env["AWS_ENDPOINT_URL"]+"/federation?Action=login") ||
		r.stderr != "kagi: no browser could be opened (xdg-open is not installed); open the link above within 15 minutes.\n" {
		t.Fatalf("console without a browser: %+v", r)
	}
}

func TestConsoleErrors(t *testing.T) {
	w := kpSetup(t)
	w.addDev()
	before := w.snapshot()
	kpWantError(t, w, before, w.run("console", "dev", "--print", "--mfa-token", w.code()), exitError, "the console needs a role profile; profile dev has no role_arn")
	kpWantError(t, w, before, w.run("console", "admin", "--print", "--destination", "http://example.com/"), exitUsage, "is not an https URL")
	kpWantError(t, w, before, w.run("console", "admin", "--print", "--duration", "13h"), exitUsage, "must be between 15m and 12h")
	kpWantError(t, w, before, w.run("console", "nope", "--print"), exitError, "profile \"nope\" is not in")
	if c := w.srv.Calls().Calls; c["GetSessionToken"] != 0 || c["AssumeRole"] != 0 {
		t.Fatalf("a rejected console call reached STS: %v", c)
	}
}
