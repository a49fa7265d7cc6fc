package warm

import (
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
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
	}
}
