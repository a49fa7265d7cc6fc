package warm

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func closeOnExec(t *testing.T, fd int) bool {
	t.Helper()
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
	if errno != 0 {
		t.Fatalf("F_GETFD on %d: %v", fd, errno)
	}
	return flags&syscall.FD_CLOEXEC != 0
}

// TestQueueWaitsForHolder: a second caller for the same profile waits until the first one's descriptor is
// closed (as at its exit); another profile does not wait; the locked descriptor survives exec.
func TestQueueWaitsForHolder(t *testing.T) {
	dir := t.TempDir() + "/locks"
	first, err := Queue(dir, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if closeOnExec(t, first) {
		t.Fatal("the queue descriptor is close-on-exec; kagi, exec'd with it, would not hold the queue")
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("lock directory: %v, mode %v; want 0700", err, st.Mode().Perm())
	}
	other, err := Queue(dir, "operator")
	if err != nil {
		t.Fatalf("another profile's queue: %v", err)
	}
	syscall.Close(other)

	got := make(chan int, 1)
	go func() {
		fd, err := Queue(dir, "admin")
		if err != nil {
			t.Error(err)
		}
		got <- fd
	}()
	select {
	case fd := <-got:
		t.Fatalf("a second caller got the queue (fd %d) while the first held it", fd)
	case <-time.After(200 * time.Millisecond):
	}
	syscall.Close(first)
	select {
	case fd := <-got:
		syscall.Close(fd)
	case <-time.After(10 * time.Second):
		t.Fatal("the second caller still waits after the first let go")
	}
}

// TestAdoptQueue: kagi keeps the handed-over lock but marks it close-on-exec and removes the variable; it
// never touches the standard streams whatever the variable says.
func TestAdoptQueue(t *testing.T) {
	fd, err := Queue(t.TempDir(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	t.Setenv(QueueFDEnv, strconv.Itoa(fd))
	AdoptQueue()
	t.Cleanup(func() { adopted = -1 })
	if !closeOnExec(t, fd) {
		t.Fatal("after AdoptQueue the queue descriptor would still reach kagi's children")
	}
	if _, ok := os.LookupEnv(QueueFDEnv); ok {
		t.Fatalf("%s is still set after AdoptQueue", QueueFDEnv)
	}
	for _, v := range []string{"0", "1", "2", "-1", "x"} {
		before := closeOnExec(t, 1)
		t.Setenv(QueueFDEnv, v)
		AdoptQueue()
		if closeOnExec(t, 1) != before || closeOnExec(t, 0) || closeOnExec(t, 2) {
			t.Fatalf("%s=%s changed a standard stream's close-on-exec flag", QueueFDEnv, v)
		}
	}
}

// TestQueueFailedStamp: kagi, holding an adopted queue, stamps a failure; a call that waited since before
// the failure sees it, a call that started after it does not, and an unstamped queue reports nothing.
func TestQueueFailedStamp(t *testing.T) {
	dir := t.TempDir()
	fd, err := Queue(dir, "admin")
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	before := time.Now()
	if FailedSince(fd, before.Add(-time.Hour)) {
		t.Fatal("a fresh queue file reports a failure")
	}
	QueueFailed(before) // not adopted: nothing to stamp
	if FailedSince(fd, before.Add(-time.Hour)) {
		t.Fatal("QueueFailed without an adopted queue stamped something")
	}
	t.Setenv(QueueFDEnv, strconv.Itoa(fd))
	AdoptQueue()
	t.Cleanup(func() { adopted = -1 })
	at := before.Add(time.Second)
	QueueFailed(at)
	if !FailedSince(fd, before) {
		t.Fatal("a call waiting since before the failure does not see it")
	}
	if FailedSince(fd, at.Add(time.Millisecond)) {
		t.Fatal("a call started after the failure is held to it")
	}
	QueueFailed(at.Add(-time.Minute)) // a second stamp replaces the first, never appends
	if FailedSince(fd, before) {
		t.Fatal("the older stamp did not replace the newer one")
	}
}
