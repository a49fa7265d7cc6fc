package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"syscall"

	"github.com/gofrs/flock"
)

// LockSource takes the per-source-identity lock: an exclusive flock on a file in dir, held across
// "check cache → prompt → STS → store" so that N concurrent kagi processes produce one MFA prompt and one
// GetSessionToken. It waits until the lock is free or ctx ends. The lock file holds nothing; its name is a
// hash of the identity so profile names never become paths.
//
// The wait is a blocking flock, not a poll: a waiter wakes as soon as the holder lets go and spends no CPU
// meanwhile. With 32 processes starting at once on a 2-core machine the CPU is what they all wait for; a
// 1 ms poll made 32 parallel cold calls 1.7x slower, and the blocking wait is about 5% faster than the
// 25 ms poll it replaces (.ci/BENCHMARKS.md).
func LockSource(ctx context.Context, dir, identity string) (unlock func(), err error) {
	if err := ensureDir(dir); err != nil {
		return nil, fmt.Errorf("create lock directory: %w", err)
	}
	sum := sha256.Sum256([]byte(identity))
	path := filepath.Join(dir, hex.EncodeToString(sum[:8])+".lock")
	l := flock.New(path, flock.SetPermissions(0o600))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		acquired := make(chan error, 1)
		go func() { acquired <- lockRetryingEINTR(l) }()
		select {
		case err := <-acquired:
			if err != nil {
				return nil, fmt.Errorf("lock %s: %w", path, err)
			}
		case <-ctx.Done():
			// A blocked flock cannot be interrupted: let it finish in the background and give the lock back.
			go func() {
				if <-acquired == nil {
					_ = l.Unlock()
				}
			}()
			return nil, ctx.Err()
		}
	}
	return func() { _ = l.Unlock() }, nil
}

// lockRetryingEINTR waits for the exclusive lock; a signal without SA_RESTART may interrupt flock(2).
func lockRetryingEINTR(l *flock.Flock) error {
	for {
		err := l.Lock()
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
