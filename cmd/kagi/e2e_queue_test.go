//go:build linux

package main_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// concurrentCredentialProcess starts n `kagi-credential-process ADMIN` at once and waits for all. It finds
// kagi through KAGI_BIN, a wrapper that counts the starts of kagi, and returns that count.
func (w *eeWorld) concurrentCredentialProcess(n int) ([]eeResult, int) {
	w.t.Helper()
	log := filepath.Join(w.root, "kagi-starts")
	_ = os.Remove(log)
	wrapper := filepath.Join(w.root, "kagi-counting")
	eeWriteScript(w.t, wrapper, fmt.Sprintf("echo start >> %s\nexec %s \"$@\"\n", eeShQuote(log), eeShQuote(filepath.Join(w.s.binDir, "kagi"))))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	results := make([]eeResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		cmd := w.command(ctx, []string{"KAGI_BIN=" + wrapper}, "kagi-credential-process", w.admin)
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = eeExec(cmd)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			w.t.Fatalf("process %d of %d: %v", i, n, err)
		}
	}
	b, _ := os.ReadFile(log)
	return results, strings.Count(string(b), "start")
}

// eeConcurrentFailure: when the kagi at the head of the queue cannot get credentials (here mfa_process
// fails), the calls that queued behind it give up with one sentence instead of each starting kagi and
// failing again in turn: one mfa_process run, one start of kagi. A call started afterwards tries afresh.
func eeConcurrentFailure(t *testing.T, s *eeSuite, n int) {
	s.need(t, "keyctl")
	w := s.world(t, s.serve(t), "keyctl")
	w.writeConfig(eeStdConfig)
	w.writeCreds()
	eeWriteScript(t, w.mfaScript, fmt.Sprintf("echo run >> %s\nexit 3\n", eeShQuote(w.mfaRuns)))

	results, starts := w.concurrentCredentialProcess(n)
	failedHere, gaveUp := 0, 0
	for i, r := range results {
		lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
		switch {
		case r.code == 0 || r.stdout != "" || len(lines) != 1:
			t.Fatalf("process %d of %d: want a non-zero exit, nothing on stdout and one line on stderr\n%s", i, n, r)
		case strings.Contains(r.stderr, "the kagi process ahead of this one could not get credentials for profile \""+w.admin+"\""):
			gaveUp++
		default:
			failedHere++
		}
	}
	if starts != 1 || failedHere != 1 || gaveUp != n-1 || w.mfaRunCount() != 1 {
		t.Fatalf("%d concurrent calls with a failing mfa_process: kagi started %d times, %d failed in kagi, %d gave up, mfa_process ran %d times; want 1, 1, %d, 1",
			n, starts, failedHere, gaveUp, w.mfaRunCount(), n-1)
	}
	w.wantSTS("after the failed concurrent runs", 0, 0)

	// Later calls are not held to the old failure.
	eeWriteScript(t, w.mfaScript, fmt.Sprintf("echo run >> %s\nexec %s --totp -b %s\n", eeShQuote(w.mfaRuns), eeShQuote(s.oathtool), eeShQuote(w.info.MFASecret)))
	if results, starts := w.concurrentCredentialProcess(1); results[0].code != 0 || starts != 1 {
		t.Fatalf("a call after the failure: kagi started %d times\n%s", starts, results[0])
	}
}
