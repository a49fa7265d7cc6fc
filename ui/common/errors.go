package common

import "github.com/kagi-cli/kagi/session"

// Sentence is the one sentence a screen shows for err.
func Sentence(err error) string { return session.Explain(err) }
