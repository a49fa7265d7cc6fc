package session

import (
	"errors"

	"github.com/kagi-cli/kagi/awsx"
)

// Explain is the one sentence the user sees for err: kagi's own diagnoses (which are more precise than the
// class of the AWS error they wrap) first, then awsx.Humanize.
func Explain(err error) string {
	var de *DurationError
	if errors.As(err, &de) {
		return awsx.Humanize(errors.New(de.Error()))
	}
	return awsx.Humanize(err)
}
