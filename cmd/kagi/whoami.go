package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/session/warm"
)

func newWhoamiCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "whoami",
		Short:   "Show the account, ARN, user name and MFA devices of your credentials",
		GroupID: "identity",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.whoamiConfig()
			if err != nil {
				return err
			}
			id, err := awsx.WhoAmI(cmd.Context(), cfg.STS(), cfg.IAM())
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(id)
			}
			return printIdentity(a.stdout, id)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// whoamiConfig signs as kagi would for the profile: with the environment's credentials when they are set
// (inside 'kagi exec' that is the role session), else with the profile's long-term key from the keyring or,
// failing that, the credentials file (the engine's order). A keyring that cannot be opened does not hide a
// key in the credentials file.
func (a *app) whoamiConfig() (awsx.Config, error) {
	cfg, err := a.awsConfig()
	if err != nil || cfg.CredentialSource == "environment" {
		return cfg, err
	}
	eng, err := a.engine(&sessionFlags{window: warm.DefaultWindow, sessionDuration: session.DefaultSessionDuration})
	var sk *selfKey
	if err == nil {
		sk, err = a.selfKeyOf(eng, a.selfProfile())
	}
	switch {
	case err == nil:
		return sk.cfg, nil
	case cfg.RequireCredentials() == nil:
		a.debugLog.Printf("whoami: no key from the engine (%v); using %s", err, cfg.CredentialSource)
		return cfg, nil
	case errors.Is(err, session.ErrUnknownProfile): // a profile in neither file: say where credentials come from
		return awsx.Config{}, cfg.RequireCredentials()
	}
	return awsx.Config{}, err
}

func printIdentity(w io.Writer, id *awsx.Identity) error {
	fmt.Fprintf(w, "Account:  %s\n", id.Account)
	fmt.Fprintf(w, "ARN:      %s\n", id.ARN)
	switch {
	case id.UserName != "":
		fmt.Fprintf(w, "User:     %s\n", id.UserName)
	case id.RoleName != "":
		fmt.Fprintf(w, "Role:     %s\n", id.RoleName)
	}
	if id.RoleName != "" {
		return nil
	}
	if len(id.MFADevices) == 0 {
		_, err := fmt.Fprintln(w, "MFA:      none (run 'kagi mfa register' to add a virtual MFA device)")
		return err
	}
	for i, d := range id.MFADevices {
		label := "MFA:"
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(w, "%-9s %s (enabled %s)\n", label, d.SerialNumber, d.EnabledAt.UTC().Format(time.DateOnly))
	}
	return nil
}
