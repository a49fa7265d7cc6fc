package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// lockPoll is how often a waiting process retries the lock. Waiters are usually other credential_process
// invocations while one of them asks for the MFA code, so a short poll keeps their wait close to the winner's.
const lockPoll = 25 * time.Millisecond

// LockSource takes the per-source-identity lock: an exclusive flock on a file in dir, held across
// "check cache → prompt → STS → store" so that N concurrent kagi processes produce one MFA prompt and one
// GetSessionToken. It waits until the lock is free or ctx ends. The lock file holds nothing; its name is a
// hash of the identity so profile names never become paths.
func LockSource(ctx context.Context, dir, identity string) (unlock func(), err error) {
	if err := ensureDir(dir); err != nil {
		return nil, fmt.Errorf("create lock directory: %w", err)
	}
	sum := sha256.Sum256([]byte(identity))
	path := filepath.Join(dir, hex.EncodeToString(sum[:8])+".lock")
	l := flock.New(path, flock.SetPermissions(0o600))
	ok, err := l.TryLockContext(ctx, lockPoll)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		return nil, fmt.Errorf("lock %s: not acquired", path)
	}
	return func() { _ = l.Unlock() }, nil
}
