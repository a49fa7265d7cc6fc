package session

import (
	"fmt"
	"time"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session/warm"
)

// StaleSessionError: AWS rejected a cached session as expired while kagi, by this computer's clock, still
// had time left on it. Left in the cache it would fail every command until it expired by the local clock
// too, so kagi removes it; the next command starts a new session.
type StaleSessionError struct {
	Profile string
	Expires time.Time // when kagi expected it to expire
	Err     error
}

func (s *StaleSessionError) Error() string {
	return fmt.Sprintf("AWS rejected the session kagi cached for profile %q as expired, though it should last until %s "+
		"(is this computer's clock right?); kagi removed it, so run the command again to start a new session",
		s.Profile, s.Expires.Local().Format("15:04"))
}

func (s *StaleSessionError) Unwrap() error { return s.Err }

// staleSession turns an expired-token answer to a call signed with profile's cached session entry into a
// StaleSessionError, after removing the session from the cache; other errors pass unchanged.
func (e *Engine) staleSession(profile string, entry warm.Entry, err error) error {
	if awsx.Classify(err) != awsx.ClassExpiredToken {
		return err
	}
	if _, rerr := e.Store.RemoveEntries(profile); rerr != nil {
		e.Log.Printf("remove the expired session of profile %q: %v", profile, rerr)
	}
	return &StaleSessionError{Profile: profile, Expires: entry.Expires, Err: err}
}

// StaleSelfService is staleSession for an AWS call signed with ss's MFA session (kagi keys, git-credentials).
func (e *Engine) StaleSelfService(ss *SelfService, err error) error {
	if ss == nil || !ss.MFA {
		return err
	}
	return e.staleSession(ss.Profile, ss.Session, err)
}
