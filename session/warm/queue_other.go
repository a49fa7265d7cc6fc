//go:build !linux

package warm

import (
	"errors"
	"time"
)

// QueueFDEnv names the variable through which kagi-credential-process hands its queue lock to kagi.
const QueueFDEnv = "KAGI_QUEUE_FD"

// Queue: the warm path reads only the kernel keyring, so outside Linux it always defers to kagi, whose own
// lock serialises concurrent calls; there is nothing to queue for.
func Queue(locksDir, profile string) (fd int, err error) {
	return -1, errors.New("the warm-path queue is Linux-only")
}

// AdoptQueue does nothing outside Linux (see Queue).
func AdoptQueue() {}

// QueueFailed does nothing outside Linux (see Queue).
func QueueFailed(now time.Time) {}

// FailedSince is false outside Linux (see Queue).
func FailedSince(fd int, since time.Time) bool { return false }
