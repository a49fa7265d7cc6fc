package localaws

import (
	"sync"
	"time"
)

// Clock is the endpoint's notion of "AWS time": TOTP steps, credential expiry,
// key propagation and response dates all read it, so tests can move it.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
	fixed  *time.Time
}

// Now returns the current endpoint time (UTC). Responses format it to the second, as AWS does.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fixed != nil {
		return *c.fixed
	}
	return time.Now().UTC().Add(c.offset)
}

// Advance moves the clock forward (or back, for a negative d).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fixed != nil {
		t := c.fixed.Add(d)
		c.fixed = &t
		return
	}
	c.offset += d
}

// Set freezes the clock at t; Advance then moves the frozen time.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t = t.UTC()
	c.fixed = &t
}
