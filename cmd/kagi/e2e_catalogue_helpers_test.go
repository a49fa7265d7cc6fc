//go:build linux

package main_test

// Helpers of the bad-input catalogue (e2e_badinput_test.go): the endpoint's test knobs (faults, clock), and
// the snapshot of everything a failed command must leave alone.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
)

// eeFault is the fault body of POST /_localaws/faults.
type eeFault struct {
	Code    string `json:"code,omitempty"`
	Status  int    `json:"status,omitempty"` // default 400 for Throttling, 503 for ServiceUnavailable, 500 otherwise
	Latency string `json:"latency,omitempty"`
	Times   int    `json:"times,omitempty"` // 0: until cleared
}

// knob sends a request to one of the endpoint's test knobs and fails the test unless it succeeds.
func (w *eeWorld) knob(method, path string, body any) []byte {
	w.t.Helper()
	var in io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			w.t.Fatal(err)
		}
		in = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, w.info.EndpointURL+path, in)
	if err != nil {
		w.t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		w.t.Fatalf("%s %s: %s\n%s", method, path, resp.Status, out)
	}
	return out
}

// fault makes the endpoint answer action (or "*") with f.
func (w *eeWorld) fault(action string, f eeFault) {
	w.t.Helper()
	w.knob(http.MethodPost, "/_localaws/faults", map[string]any{"action": action, "fault": f})
}

// clearFaults removes every injected fault.
func (w *eeWorld) clearFaults() {
	w.t.Helper()
	w.knob(http.MethodDelete, "/_localaws/faults", nil)
}

// advanceClock moves the endpoint's clock (TOTP steps and credential expiry; signatures keep the wall clock).
func (w *eeWorld) advanceClock(d time.Duration) {
	w.t.Helper()
	w.knob(http.MethodPost, "/_localaws/clock", map[string]string{"advance": d.String()})
}

// eeState is what a failed command must not lose: the config and credentials files byte for byte, the
// long-term keys in the keyring (profile → key ID), and the cached sessions ("KIND PROFILE").
type eeState struct {
	files    map[string][]byte
	keys     map[string]string
	sessions []string
}

// belongings snapshots what the world must not lose.
func (w *eeWorld) belongings() eeState {
	w.t.Helper()
	st := eeState{files: map[string][]byte{}, keys: map[string]string{}}
	for _, p := range []string{w.config, w.creds} {
		st.files[p], _ = os.ReadFile(p)
	}
	out, err := w.catHelper(append([]string{"state"}, w.profiles...)...)
	if err != nil {
		w.t.Fatalf("keyring state: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		switch f := strings.Fields(line); {
		case len(f) == 3 && f[0] == "key":
			st.keys[f[1]] = f[2]
		case len(f) == 3 && f[0] == "entry":
			st.sessions = append(st.sessions, f[1]+" "+f[2])
		}
	}
	slices.Sort(st.sessions)
	return st
}

// checkKept reports what after lost of before: changed files, changed or removed keys, and (unless
// sessionsMayGo) removed cached sessions. New cached sessions are no loss.
func (w *eeWorld) checkKept(before, after eeState, sessionsMayGo bool) {
	w.t.Helper()
	for p, data := range before.files {
		if !bytes.Equal(after.files[p], data) {
			w.t.Errorf("%s changed:\nbefore %q\nafter  %q", p, data, after.files[p])
		}
	}
	if !maps.Equal(before.keys, after.keys) {
		w.t.Errorf("long-term keys in the keyring: %v before, %v after", before.keys, after.keys)
	}
	for _, s := range before.sessions {
		if !sessionsMayGo && !slices.Contains(after.sessions, s) {
			w.t.Errorf("cached session %q was lost (before %v, after %v)", s, before.sessions, after.sessions)
		}
	}
}

const eeCatHelperEnv = "KAGI_EE_CATALOGUE_HELPER"

// catHelper runs TestEECatalogueHelperProcess with the world's environment.
func (w *eeWorld) catHelper(args ...string) (string, error) {
	return w.helper("TestEECatalogueHelperProcess", eeCatHelperEnv, args...)
}

// TestEECatalogueHelperProcess is not a test: it reads the keyring through the session package with the
// environment of a catalogue world.
//
//	state PROFILE...   print "key PROFILE KEYID" for each profile with a long-term key, and
//	                   "entry KIND PROFILE" for each of their cached sessions
//	whoami PROFILE     call sts:GetCallerIdentity at $AWS_ENDPOINT_URL with the profile's stored key and
//	                   print the ARN
func TestEECatalogueHelperProcess(t *testing.T) { eeRunHelper(eeCatHelperEnv, eeCatHelperMain) }

func eeCatHelperMain(args []string) error {
	if len(args) == 0 || (args[0] != "state" && (args[0] != "whoami" || len(args) != 2)) {
		return fmt.Errorf("bad operation %q", args)
	}
	s, err := session.OpenStore(session.StoreOptions{Env: os.Getenv})
	if err != nil {
		return err
	}
	if args[0] == "whoami" {
		k, err := s.Key(args[1])
		if err != nil {
			return err
		}
		cfg := awsx.Config{Region: "us-east-1", STSEndpoint: os.Getenv("AWS_ENDPOINT_URL"),
			Credentials: credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, "")}
		out, err := cfg.STS().GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		if err != nil {
			return err
		}
		fmt.Println(aws.ToString(out.Arn))
		return nil
	}
	profiles := args[1:]
	for _, p := range profiles {
		k, err := s.Key(p)
		switch {
		case err == nil:
			fmt.Println("key", p, k.AccessKeyID)
		case !errors.Is(err, session.ErrNotFound):
			return err
		}
	}
	entries, err := s.Entries()
	if err != nil {
		return err
	}
	for _, e := range entries {
		if slices.Contains(profiles, e.Profile) {
			fmt.Println("entry", e.Kind, e.Profile)
		}
	}
	return nil
}
