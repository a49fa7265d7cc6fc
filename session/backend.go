package session

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/99designs/keyring"

	"github.com/kagi-cli/kagi/session/warm"
)

// ServiceName names kagi's place in every backend. For keyctl it is the named keyring inside the user keyring
// that the warm path (cmd/kagi-credential-process) searches, so it must not change.
const ServiceName = "kagi"

// keyCtlPerm gives possessor and user all rights and nobody else any: another process of the same user (a
// different login session, the warm path) can read the items, other users cannot even see them.
const keyCtlPerm = 0x3f3f0000

// BackendNames are the keyring backends kagi accepts, in the library's order of preference.
var BackendNames = []string{"wincred", "keychain", "secret-service", "kwallet", "keyctl", "pass", "file"}

// StoreOptions configures OpenStore.
type StoreOptions struct {
	Backend    string                              // "" = KAGI_KEYRING_BACKEND, else the platform default
	FileDir    string                              // file backend dir; default <os.UserConfigDir()>/kagi/keyring
	Passphrase func(prompt string) (string, error) // file backend passphrase; nil = KAGI_FILE_PASSPHRASE
	Env        Env                                 // nil = os.Getenv
	Debug      func(format string, args ...any)    // optional; never receives secrets
	// SplitSessions caches sessions in the kernel keyring on Linux, whatever backend holds the keys, unless
	// KAGI_SESSION_CACHE=backend (see openSessionKeyctl). kagi's commands set it; the demo keeps everything
	// in its own throwaway keyring.
	SplitSessions bool
}

// OpenStore opens the keyring backend chosen by opts. It is the only keyring.Open in kagi.
func OpenStore(opts StoreOptions) (*Store, error) {
	env := opts.Env
	if env == nil {
		env = os.Getenv
	}
	debug := opts.Debug
	if debug == nil {
		debug = func(string, ...any) {}
	}
	name, err := chooseBackend(opts.Backend, env, runtime.GOOS)
	if err != nil {
		return nil, err
	}
	var sessionsInKeyctl bool
	switch v := env(SessionCacheEnv); v {
	case "", "keyctl":
		sessionsInKeyctl = opts.SplitSessions && runtime.GOOS == "linux"
	case "backend":
	default:
		return nil, fmt.Errorf("unknown %s %q; use keyctl (the default on Linux) or backend", SessionCacheEnv, v)
	}
	var candidates []string
	if name != "" {
		candidates = []string{name}
	} else { // the library's order, tried one by one so that we know which one opened
		for _, b := range keyring.AvailableBackends() {
			candidates = append(candidates, string(b))
		}
		if len(candidates) == 0 {
			return nil, errors.New("no keyring backend is available on this system; set KAGI_KEYRING_BACKEND=file")
		}
	}
	cfg := backendConfig(opts, env)
	var firstErr error
	for _, b := range candidates {
		if b == "file" {
			if err := ensurePrivateDir(cfg.FileDir); err != nil {
				return nil, fmt.Errorf("file keyring: cannot create %s (%v); set KAGI_KEYRING_BACKEND to another backend or fix the directory", cfg.FileDir, oneLine(err.Error()))
			}
		}
		cfg.AllowedBackends = []keyring.BackendType{keyring.BackendType(b)}
		if b == "kwallet" {
			cfg.ServiceName = "kdewallet" // for kwallet ServiceName is the wallet: use the user's default one
		} else {
			cfg.ServiceName = ServiceName
		}
		kr, logged := openLogged(cfg)
		for _, l := range logged {
			debug("keyring: %s", l)
		}
		if kr != nil {
			debug("keyring: opened backend %s", b)
			if b == "file" {
				kr = &fileNameKeyring{kr: kr, legacy: runtime.GOOS != "windows"}
			}
			s := NewStore(kr, b)
			s.collection = cfg.LibSecretCollectionName
			if b == "file" {
				s.fileDir = cfg.FileDir
			}
			if sessionsInKeyctl && b != "keyctl" {
				s.sess = openSessionKeyctl(cfg, debug)
			}
			return s, nil
		}
		err := explainOpen(b, failureCause(logged, b), env, cfg.LibSecretCollectionName)
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// SessionCacheEnv chooses where cached sessions go (warm.SessionCacheEnv).
const SessionCacheEnv = warm.SessionCacheEnv

// openSessionKeyctl opens the kernel keyring for cached sessions, or returns nil (sessions then stay in the
// keys' keyring) where it is not usable, e.g. a container that blocks the keyctl system calls. Sessions are
// short-lived and cheap to lose, so the kernel keyring's lifetime (until the user's last process ends or
// the machine reboots) suits them; it needs no daemon, passphrase or file, and kagi-credential-process reads
// it directly. Like an unlocked Secret Service collection, it is readable by the user's own processes only.
func openSessionKeyctl(cfg keyring.Config, debug func(string, ...any)) *Store {
	cfg.AllowedBackends = []keyring.BackendType{keyring.KeyCtlBackend}
	cfg.ServiceName = ServiceName
	kr, logged := openLogged(cfg)
	for _, l := range logged {
		debug("keyring (sessions): %s", l)
	}
	if kr == nil {
		debug("keyring: cached sessions stay in the keys' keyring: the kernel keyring did not open")
		return nil
	}
	s := NewStore(kr, "keyctl")
	if _, err := s.items(); err != nil { // opened, but unusable (permissions, quota): do not split
		debug("keyring: cached sessions stay in the keys' keyring: %v", err)
		return nil
	}
	debug("keyring: cached sessions go to the kernel keyring (keyctl)")
	return s
}

// chooseBackend returns the backend to open, or "" for the library's order of preference.
func chooseBackend(explicit string, env Env, goos string) (string, error) {
	name := strings.TrimSpace(explicit)
	source := "backend"
	if name == "" {
		name = strings.TrimSpace(env("KAGI_KEYRING_BACKEND"))
		source = "KAGI_KEYRING_BACKEND"
	}
	if name != "" {
		for _, b := range BackendNames {
			if strings.EqualFold(name, b) {
				return b, nil
			}
		}
		return "", fmt.Errorf("unknown keyring %s %q; use one of: %s", source, name, strings.Join(BackendNames, ", "))
	}
	if goos == "linux" {
		if env("DBUS_SESSION_BUS_ADDRESS") != "" {
			return "secret-service", nil
		}
		return "keyctl", nil
	}
	return "", nil
}

// backendConfig is the library configuration shared by all backends.
func backendConfig(opts StoreOptions, env Env) keyring.Config {
	collection := env("KAGI_KEYRING_COLLECTION")
	if collection == "" {
		collection = "login" // the collection gnome-keyring unlocks at login, also headless
	}
	dir := opts.FileDir
	if dir == "" {
		dir = filepath.Join(userConfigDir(env), "kagi", "keyring")
	}
	return keyring.Config{
		ServiceName:                    ServiceName,
		KeyCtlScope:                    "user",
		KeyCtlPerm:                     keyCtlPerm,
		LibSecretCollectionName:        collection,
		KWalletAppID:                   ServiceName,
		KWalletFolder:                  ServiceName,
		KeychainTrustApplication:       true,
		KeychainAccessibleWhenUnlocked: true,
		PassPrefix:                     ServiceName,
		FileDir:                        dir,
		FilePasswordFunc:               passphraseFunc(opts.Passphrase, env, dir),
	}
}

// passphraseFunc wraps the file backend's passphrase source; the library asks again whenever it holds "".
func passphraseFunc(ask func(string) (string, error), env Env, dir string) keyring.PromptFunc {
	return func(prompt string) (string, error) {
		if ask == nil {
			if p := env("KAGI_FILE_PASSPHRASE"); p != "" {
				return p, nil
			}
			return "", fmt.Errorf("the file keyring in %s needs a passphrase; set KAGI_FILE_PASSPHRASE or run kagi in a terminal", dir)
		}
		p, err := ask(prompt)
		if err != nil {
			return "", fmt.Errorf("file keyring passphrase: %s; set KAGI_FILE_PASSPHRASE or run kagi in a terminal", oneLine(err.Error()))
		}
		if p == "" {
			return "", errors.New("the file keyring passphrase is empty; enter a non-empty passphrase or set KAGI_FILE_PASSPHRASE")
		}
		return p, nil
	}
}

var openMu sync.Mutex

// openLogged calls keyring.Open with the library's debug log captured: Open reports only "backend not
// available" and logs the real reason. Other log output written meanwhile is passed on.
func openLogged(cfg keyring.Config) (keyring.Keyring, []string) {
	openMu.Lock()
	defer openMu.Unlock()
	var buf bytes.Buffer
	out, flags, prefix, debug := log.Writer(), log.Flags(), log.Prefix(), keyring.Debug
	log.SetOutput(&buf)
	log.SetFlags(0)
	log.SetPrefix("")
	keyring.Debug = true
	kr, err := keyring.Open(cfg)
	keyring.Debug = debug
	log.SetOutput(out)
	log.SetFlags(flags)
	log.SetPrefix(prefix)
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if rest, ok := strings.CutPrefix(l, "[keyring] "); ok {
			lines = append(lines, rest)
		} else if l != "" {
			_, _ = io.WriteString(out, l+"\n")
		}
	}
	if err != nil {
		return nil, lines
	}
	return kr, lines
}

// failureCause picks the library's "Failed backend <b>: <cause>" line; "" when the backend was not even
// registered (the library registers some only when their service was reachable at process start).
func failureCause(logged []string, backend string) string {
	for _, l := range logged {
		if cause, ok := strings.CutPrefix(l, "Failed backend "+backend+": "); ok {
			return cause
		}
	}
	return ""
}

// explainOpen turns an open failure into one sentence with a fix.
func explainOpen(backend, cause string, env Env, collection string) error {
	if cause == "" {
		switch backend {
		case "secret-service", "kwallet":
			if env("DBUS_SESSION_BUS_ADDRESS") == "" {
				return fmt.Errorf("%s keyring: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set); run kagi in a desktop session, or set KAGI_KEYRING_BACKEND=keyctl or file", backend)
			}
			return fmt.Errorf("%s keyring: the D-Bus session bus at %s was not reachable when kagi started; check the desktop session, or set KAGI_KEYRING_BACKEND=keyctl or file", backend, env("DBUS_SESSION_BUS_ADDRESS"))
		}
		var avail []string
		for _, b := range keyring.AvailableBackends() {
			avail = append(avail, string(b))
		}
		return fmt.Errorf("%s keyring: not available on %s; set KAGI_KEYRING_BACKEND to one of: %s", backend, runtime.GOOS, strings.Join(avail, ", "))
	}
	return explain(backend, cause, collection)
}

// explain turns a backend error text into one sentence with a fix.
func explain(backend, cause, collection string) error {
	c := strings.ToLower(cause)
	cause = oneLine(cause)
	switch backend {
	case "secret-service":
		switch {
		case strings.Contains(c, "locked") || strings.Contains(c, "dismissed"):
			return fmt.Errorf("secret-service keyring: the %q keyring is locked; unlock it (e.g. log in to the desktop) or set KAGI_KEYRING_BACKEND=keyctl (%s)", collection, cause)
		case strings.Contains(c, "org.freedesktop.secrets") || strings.Contains(c, "serviceunknown") || strings.Contains(c, ".service files"):
			return fmt.Errorf("secret-service keyring: no Secret Service (e.g. gnome-keyring) runs on the D-Bus session bus; start gnome-keyring-daemon --components=secrets, or set KAGI_KEYRING_BACKEND=keyctl or file (%s)", cause)
		case strings.Contains(c, "connection refused") || strings.Contains(c, "no such file") || strings.Contains(c, "broken pipe") || strings.Contains(c, "closed"):
			return fmt.Errorf("secret-service keyring: lost the D-Bus session bus; run kagi in a desktop session, or set KAGI_KEYRING_BACKEND=keyctl or file (%s)", cause)
		}
	case "keyctl":
		switch {
		case strings.Contains(c, "permission denied"):
			return fmt.Errorf("keyctl keyring: permission denied on the %q keyring in the user keyring; it was made by another tool or with other permissions: remove it with `keyctl unlink $(keyctl search @u keyring %s) @u` and retry, or set KAGI_KEYRING_BACKEND=file (%s)", ServiceName, ServiceName, cause)
		case strings.Contains(c, "operation not permitted") || strings.Contains(c, "function not implemented"):
			return fmt.Errorf("keyctl keyring: the kernel keyring is not usable here (containers often block keyctl); set KAGI_KEYRING_BACKEND=file (%s)", cause)
		case strings.Contains(c, "quota"):
			return fmt.Errorf("keyctl keyring: the kernel key quota of this user is exhausted; remove unused keys (keyctl show @u) or raise /proc/sys/kernel/keys/maxkeys and maxbytes (%s)", cause)
		}
	case "file":
		switch {
		case strings.Contains(c, "integrity check failed"):
			return errors.New("file keyring: wrong passphrase; enter the passphrase the keyring was created with (KAGI_FILE_PASSPHRASE)")
		case strings.Contains(c, "passphrase"):
			return errors.New(cause) // our own sentence from passphraseFunc
		}
	case "pass":
		if strings.Contains(c, "not available") {
			return fmt.Errorf("pass keyring: the pass program is not installed; install pass (passwordstore.org) or set KAGI_KEYRING_BACKEND to another backend (%s)", cause)
		}
	case "kwallet":
		return fmt.Errorf("kwallet keyring: cannot use KWallet (%s); start KWallet in your desktop session or set KAGI_KEYRING_BACKEND=keyctl or file", cause)
	}
	return fmt.Errorf("%s keyring: %s; set KAGI_KEYRING_BACKEND to another backend (%s) if this persists", backend, cause, strings.Join(BackendNames, ", "))
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// ensurePrivateDir creates dir 0700, or narrows an existing one to 0700.
func ensurePrivateDir(dir string) error {
	if err := ensureDir(dir); err != nil {
		return err
	}
	info, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return os.Chmod(dir, 0o700)
	}
	return nil
}

// userConfigDir is os.UserConfigDir read from env, so the Env given to OpenStore (tests, kagi demo) decides.
func userConfigDir(env Env) string {
	switch runtime.GOOS {
	case "windows":
		if d := env("AppData"); d != "" {
			return d
		}
	case "darwin", "ios":
		if h := env("HOME"); h != "" {
			return filepath.Join(h, "Library", "Application Support")
		}
	default:
		if d := env("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
			return d
		}
		if h := env("HOME"); h != "" {
			return filepath.Join(h, ".config")
		}
	}
	if d, err := os.UserConfigDir(); err == nil {
		return d
	}
	return filepath.Join(os.TempDir(), "kagi-"+fmt.Sprint(os.Getuid()))
}
