package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
)

func newDoctorCmd(a *app) *cobra.Command {
	var (
		f      sessionFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "doctor [PROFILE]",
		Short: "Check the keyring, plaintext keys, MFA, password and key age, and the clock",
		Long: `Check what makes kagi and AWS fail: whether the keyring works (kagi writes, reads back and removes a
test item), long-term keys left in plaintext in ~/.aws/credentials, whether AWS accepts PROFILE's
credentials, the clock against AWS's (TOTP codes fail when it is off), your MFA device, console password
age, and the age and use of your access keys. AWS calls sign with PROFILE's MFA session (kagi asks for a
code if none is cached) or, before MFA is set up, its long-term key; what the account does not permit is
reported as unknown.

Marks: ✓ ok, ! warning, ✗ failed, ? unknown. The exit code is 1 when a check failed, else 0 (also with
warnings). --json prints {"profile", "checks": [{"id", "title", "status", "detail", "fix"}], "summary"}.`,
		GroupID: "identity",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			profile := a.gcProfile()
			if len(args) == 1 {
				var err error
				if profile, err = a.profileArg(cmd, args); err != nil {
					return err
				}
			}
			cfg, err := a.awsConfig()
			if err != nil {
				return err
			}
			checks, err := session.RunDoctor(cmd.Context(), session.DoctorOptions{
				Options: session.Options{Env: session.Env(a.env), AWS: cfg, MFAToken: f.mfaToken, Window: f.window, SessionDuration: f.sessionDuration},
				Profile: profile,
			})
			if errors.Is(err, session.ErrAborted) {
				return errAborted
			} else if err != nil {
				return err
			}
			summary := map[awsx.CheckStatus]int{}
			for _, c := range checks {
				summary[c.Status]++
			}
			if asJSON {
				err = gcJSON(a.stdout, map[string]any{"profile": profile, "checks": checks, "summary": summary})
			} else {
				err = writeDoctor(a.stdout, checks, summary)
			}
			if err != nil {
				return err
			}
			if n := summary[awsx.CheckFail]; n > 0 {
				return fmt.Errorf("%s failed; see the fixes above", plural(n, "check"))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the checks as JSON")
	f.register(cmd)
	return cmd
}

var doctorMarks = map[awsx.CheckStatus]string{awsx.CheckOK: "✓", awsx.CheckWarn: "!", awsx.CheckFail: "✗", awsx.CheckUnknown: "?"}

// writeDoctor prints the checklist: a mark, the title, the detail, and the fix on its own line.
func writeDoctor(w io.Writer, checks []awsx.Check, summary map[awsx.CheckStatus]int) error {
	width := 0
	for _, c := range checks {
		width = max(width, utf8.RuneCountInString(c.Title))
	}
	var b strings.Builder
	for _, c := range checks {
		mark := doctorMarks[c.Status]
		if mark == "" {
			mark = "?"
		}
		fmt.Fprintf(&b, "%s %-*s  %s\n", mark, width, cleanCell(c.Title), cleanCell(c.Detail))
		if c.Fix != "" {
			fmt.Fprintf(&b, "  %-*s  → %s\n", width, "", cleanCell(c.Fix))
		}
	}
	fmt.Fprintf(&b, "\n%d ok, %d %s, %d failed, %d unknown.\n", summary[awsx.CheckOK], summary[awsx.CheckWarn],
		map[bool]string{true: "warning", false: "warnings"}[summary[awsx.CheckWarn] == 1], summary[awsx.CheckFail], summary[awsx.CheckUnknown])
	_, err := io.WriteString(w, b.String())
	return err
}
