// Command kagi-credential-process is kagi's warm path for the AWS CLI and SDKs:
//
//	[profile admin-cli]
//	credential_process = kagi-credential-process admin
//
// It prints a cached role session from the kernel keyring and exits, or hands over to
// `kagi credential-process` (MFA prompt, STS calls, any keyring backend) when there is none. Concurrent
// misses for one profile queue on a lock (warm.Queue), so only the first of them starts kagi.
//
// It is a separate, small binary because credential_process runs before every AWS command and a Go
// program pays at start-up for every package it links: kagi links the SDK, the TUI and the keyring
// library, about 2.5× the start-up of a hello-world; this one links only the standard packages that
// session/warm needs.
package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kagi-cli/kagi/session/warm"
)

func main() {
	args := os.Args[1:]
	profile, window, ok := parseArgs(args)
	if !ok || !warmBackend() {
		execKagi(args, -1)
	}
	if answer(profile, window) {
		return
	}
	// A miss. Queue behind any other call for this profile that missed, then look again: the one ahead has
	// usually just cached the session. Only a call that still misses starts kagi, handing it the queue lock
	// so the calls behind wait for kagi's prompt and STS calls rather than starting kagi themselves.
	_, locks := warm.Dirs(os.Getenv)
	waitFrom := time.Now()
	fd, err := warm.Queue(locks, profile)
	if err != nil {
		execKagi(args, -1) // kagi's own lock still gives one prompt; it only costs more processes
	}
	if answer(profile, window) {
		return
	}
	if warm.FailedSince(fd, waitFrom) { // the kagi ahead failed while this call waited: do not try again
		os.Stderr.WriteString("kagi-credential-process: the kagi process ahead of this one could not get credentials for profile " +
			strconv.Quote(profile) + " (its error is on the terminal or in its caller's output); fix that and run the command again.\n")
		os.Exit(1)
	}
	execKagi(args, fd)
}

// answer prints a cached session for profile from the kernel keyring, if there is one valid for window.
func answer(profile string, window time.Duration) bool {
	e, hit := warm.Lookup(profile, warm.ConfigStamp(configPath()), time.Now(), window)
	if !hit {
		return false
	}
	if _, err := os.Stdout.Write(warm.ProcessOutput(e)); err != nil {
		os.Exit(1)
	}
	return true
}

// parseArgs understands the common forms: PROFILE, --profile PROFILE, --profile=PROFILE, and --window D.
// Anything else goes to kagi, which reports errors properly.
func parseArgs(args []string) (profile string, window time.Duration, ok bool) {
	window = warm.DefaultWindow
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() (string, bool) {
			if _, v, found := strings.Cut(a, "="); found {
				return v, true
			}
			if i+1 < len(args) {
				i++
				return args[i], true
			}
			return "", false
		}
		switch {
		case a == "--profile" || strings.HasPrefix(a, "--profile="):
			v, found := value()
			if !found || profile != "" {
				return "", 0, false
			}
			profile = v
		case a == "--window" || strings.HasPrefix(a, "--window="):
			v, found := value()
			d, err := time.ParseDuration(v)
			if !found || err != nil || d < 0 {
				return "", 0, false
			}
			window = d
		case strings.HasPrefix(a, "-") || profile != "":
			return "", 0, false
		default:
			profile = a
		}
	}
	return profile, window, profile != ""
}

// warmBackend: the warm path reads the kernel keyring, so it applies where kagi caches sessions there: on
// Linux by default whatever backend holds the keys, or with KAGI_SESSION_CACHE=backend only when that
// backend is keyctl (KAGI_KEYRING_BACKEND=keyctl, or none chosen and no D-Bus session bus).
func warmBackend() bool {
	if os.Getenv(warm.SessionCacheEnv) != "backend" {
		return true
	}
	switch os.Getenv("KAGI_KEYRING_BACKEND") {
	case "keyctl":
		return true
	case "":
		return os.Getenv("DBUS_SESSION_BUS_ADDRESS") == ""
	}
	return false
}

func configPath() string {
	if p := os.Getenv("AWS_CONFIG_FILE"); p != "" {
		return p
	}
	home := os.Getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".aws", "config")
}

// kagiPath finds the full kagi: $KAGI_BIN, else beside this binary, else on PATH.
func kagiPath() string {
	if p := os.Getenv("KAGI_BIN"); p != "" {
		return p
	}
	name := "kagi" + exeSuffix
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}
