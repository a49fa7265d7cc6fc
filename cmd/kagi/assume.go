package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func newAssumeCmd(a *app) *cobra.Command {
	var (
		f      sessionFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:     "assume PROFILE",
		Short:   "Ask for the MFA code now and cache the role session (like sudo -v)",
		GroupID: "sessions",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			profile, err := a.profileArg(cmd, args)
			if err != nil {
				return err
			}
			_, res, err := a.credentials(cmd.Context(), &f, profile)
			if err != nil {
				return err
			}
			left := time.Until(res.Entry.Expires).Round(time.Minute)
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(map[string]any{
					"profile": profile, "source_profile": res.Source, "expiration": res.Entry.Expires.Format(time.RFC3339),
					"from_cache": res.FromCache, "access_key_id": res.Entry.AccessKeyID,
				})
			}
			how := "cached"
			if !res.FromCache {
				how = "new session"
			}
			_, err = fmt.Fprintf(a.stderr, "%s: %s until %s (%s left)\n", profile, how, res.Entry.Expires.Local().Format("15:04"), left)
			return err
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the session's profile, expiry and key id as JSON (never the secret)")
	return cmd
}
