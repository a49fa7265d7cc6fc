package session

import (
	"errors"

	"github.com/kagi-cli/kagi/awsx"
)

// Explain is the one sentence the user sees for err: kagi's own diagnoses (which are more precise than the
// class of the AWS error they wrap) first, then awsx.Humanize.
func Explain(err error) string {
	var (
		de *DurationError
		pe *awsx.PasswordError // a refused password change: which rule was unmet, a wrong current password…
		se *StaleSessionError  // a cached session AWS says has expired: kagi removed it, run again
	)
	switch {
	case errors.As(err, &de):
		return awsx.Humanize(errors.New(de.Error()))
	case errors.As(err, &pe):
		return awsx.Humanize(errors.New(pe.Error()))
	case errors.As(err, &se):
		return awsx.Humanize(errors.New(se.Error()))
	}
	return awsx.Humanize(err)
}
