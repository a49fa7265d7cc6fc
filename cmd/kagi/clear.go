package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newClearCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "clear [PROFILE]",
		Short: "Remove cached sessions (all, or PROFILE's); long-term keys stay",
		Long: `Remove the cached MFA sessions and role sessions from the keyring: all of them, or only PROFILE's (the
profile given, not the roles that start from it). Long-term keys stay. The next command that needs
credentials asks for an MFA code again.`,
		GroupID: "keys",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			profile := a.settings.Profile // never $AWS_PROFILE: no argument means all
			if len(args) == 1 {
				var err error
				if profile, err = a.keyProfileArg(cmd, args); err != nil {
					return err
				}
			}
			pf, err := a.openProfileFiles(false)
			if err != nil {
				return err
			}
			n, err := pf.store.RemoveEntries(profile)
			if err != nil {
				return err
			}
			of := ""
			if profile != "" {
				of = " of profile " + cleanCell(profile)
			}
			_, err = fmt.Fprintf(a.stderr, "Removed %s%s from the keyring (%s).\n", plural(n, "cached session"), of, pf.store.Backend())
			return err
		},
	}
	return cmd
}
