package session_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kagi-cli/kagi/session"
)

// lockResult is what a LockSource call in a goroutine returned.
type lockResult struct {
	unlock func()
	err    error
}

func lockAsync(ctx context.Context, dir, identity string) <-chan lockResult {
	ch := make(chan lockResult, 1)
	go func() {
		unlock, err := session.LockSource(ctx, dir, identity)
		ch <- lockResult{unlock, err}
	}()
	return ch
}

func TestLockSourceWaitsForTheHolder(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	unlock, err := session.LockSource(ctx, dir, "dev")
	if err != nil {
		t.Fatal(err)
	}
	other, err := session.LockSource(ctx, dir, "other")
	if err != nil {
		t.Fatalf("another identity's lock: %v, want it free", err)
	}
	other()

	waiter := lockAsync(ctx, dir, "dev")
	time.Sleep(50 * time.Millisecond) // give the waiter time to (wrongly) get through
	select {
	case r := <-waiter:
		t.Fatalf("second LockSource returned (err %v) while the first held the lock", r.err)
	default:
	}
	unlock()
	select {
	case r := <-waiter:
		if r.err != nil {
			t.Fatalf("second LockSource after the release: %v", r.err)
		}
		r.unlock()
	case <-time.After(10 * time.Second):
		t.Fatal("second LockSource still waiting 10 s after the holder released the lock")
	}
}

func TestLockSourceCancelledWaitGivesTheLockBack(t *testing.T) {
	dir := t.TempDir()
	unlock, err := session.LockSource(context.Background(), dir, "dev")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	waiter := lockAsync(ctx, dir, "dev")
	time.Sleep(50 * time.Millisecond) // let it block in the wait, not return at its first check of ctx
	cancel()
	select {
	case r := <-waiter:
		if !errors.Is(r.err, context.Canceled) {
			t.Fatalf("cancelled LockSource: %v, want context.Canceled", r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancelled LockSource did not return")
	}
	// The abandoned wait gets the lock once it is free and must release it at once. The pause lets the
	// blocked flock take the free lock before this goroutine asks again (a slow machine can only make the
	// test pass without proving anything, never fail wrongly).
	unlock()
	time.Sleep(100 * time.Millisecond)
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	again, err := session.LockSource(ctx, dir, "dev")
	if err != nil {
		t.Fatalf("LockSource after a cancelled wait: %v, want the lock (the abandoned wait must give it back)", err)
	}
	again()

	held, err := session.LockSource(ctx, dir, "dev")
	if err != nil {
		t.Fatalf("LockSource: %v", err)
	}
	defer held()
	done, cancelDone := context.WithCancel(context.Background())
	cancelDone()
	if _, err := session.LockSource(done, dir, "dev"); !errors.Is(err, context.Canceled) {
		t.Fatalf("LockSource with an ended context on a held lock: %v, want context.Canceled", err)
	}
}
