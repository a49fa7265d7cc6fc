package warm

import (
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// QueueFDEnv names the variable through which kagi-credential-process hands its queue lock to kagi.
const QueueFDEnv = "KAGI_QUEUE_FD"

// Queue lines up concurrent warm-path misses for profile: it waits (blocking flock, no polling) for an
// exclusive lock on a per-profile file in locksDir and returns the locked file descriptor. The caller looks
// in the keyring again, since the process ahead of it has usually just cached the session, and only if that
// misses too hands the descriptor to kagi across exec (see QueueFDEnv, AdoptQueue). So of 32 AWS CLI
// processes that miss at once, one starts kagi (one prompt, one STS round trip) and 31 answer from the
// keyring, instead of 32 full kagi processes competing for the CPU to queue on kagi's own lock.
//
// The descriptor is left open across exec on purpose; it is closed (and the lock released) when the process
// that holds it exits. Written with syscall.Flock rather than gofrs/flock because the descriptor must
// survive exec, which an *os.File (close-on-exec, closed by its finalizer) is built to prevent.
func Queue(locksDir, profile string) (fd int, err error) {
	if err := os.MkdirAll(locksDir, 0o700); err != nil {
		return -1, err
	}
	h := fnv.New64a()
	h.Write([]byte(profile))
	path := filepath.Join(locksDir, "queue-"+strconv.FormatUint(h.Sum64(), 16)+".lock")
	fd, err = syscall.Open(path, syscall.O_RDWR|syscall.O_CREAT|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: path, Err: err}
	}
	for {
		err = syscall.Flock(fd, syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err == nil {
		_, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETFD, 0) // keep across exec
		if errno != 0 {
			err = errno
		}
	}
	if err != nil {
		syscall.Close(fd)
		return -1, &os.PathError{Op: "lock", Path: path, Err: err}
	}
	return fd, nil
}

// adopted is the queue descriptor kagi took over from kagi-credential-process (AdoptQueue), or -1.
var adopted = -1

// AdoptQueue runs first thing in kagi. If kagi-credential-process handed over its queue lock, kagi keeps
// holding it until it exits, but marks it close-on-exec so that no child (mfa_process, a credential helper)
// inherits it and holds the queue for as long as it lives. The variable is removed so it goes no further.
func AdoptQueue() {
	v, ok := os.LookupEnv(QueueFDEnv)
	if !ok {
		return
	}
	os.Unsetenv(QueueFDEnv)
	if fd, err := strconv.Atoi(v); err == nil && fd > 2 {
		syscall.CloseOnExec(fd)
		adopted = fd
	}
}

// QueueFailed is for kagi holding an adopted queue lock when it could not get the credentials: it stamps
// the queue file with the time, so the calls that queued behind it while it tried give up at once
// (FailedSince) instead of each starting kagi and trying again in turn: 31 more prompts, or 31 more
// timeouts against an endpoint that does not answer. Calls that start later try afresh. The file holds
// only a time, never the error (which stays on kagi's stderr).
func QueueFailed(now time.Time) {
	if adopted < 0 {
		return
	}
	stamp := []byte(failedPrefix + strconv.FormatInt(now.UnixNano(), 10) + "\n")
	if err := syscall.Ftruncate(adopted, 0); err == nil {
		_, _ = syscall.Pwrite(adopted, stamp, 0)
	}
}

const failedPrefix = "failed "

// FailedSince reports whether the kagi that held the queue (fd, from Queue) failed after since, the time
// this call started to wait.
func FailedSince(fd int, since time.Time) bool {
	buf := make([]byte, 64)
	n, err := syscall.Pread(fd, buf, 0)
	if err != nil || n == 0 {
		return false
	}
	v, ok := strings.CutPrefix(strings.TrimSpace(string(buf[:n])), failedPrefix)
	if !ok {
		return false
	}
	at, err := strconv.ParseInt(v, 10, 64)
	return err == nil && at > since.UnixNano()
}
