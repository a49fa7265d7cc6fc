package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/awsx/localaws"
)

func newDemoCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "demo",
		Short:   "Try kagi on an embedded IAM/STS endpoint, without an AWS account",
		GroupID: "demo",
		Long: `Without a subcommand, kagi demo opens the terminal UI on a throwaway account: an embedded IAM/STS
endpoint with a new user (no MFA device yet), a temporary HOME, AWS config and file keyring. Nothing of
yours is read or changed, and everything is removed on exit.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runDemoTUI(cmd) },
	}
	cmd.AddCommand(newDemoServeCmd(a), newDemoCodeCmd(a))
	return cmd
}

// demoServeInfo is the one JSON line `kagi demo serve` prints once listening.
type demoServeInfo struct {
	EndpointURL string `json:"endpoint_url"`
	Scenario    string `json:"scenario"`
	*localaws.Seeded
}

func newDemoServeCmd(a *app) *cobra.Command {
	var (
		addr     string
		scenario string
		keyDelay time.Duration
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the embedded IAM/STS endpoint and print its address and demo credentials as one JSON line",
		Long: `Serve the embedded IAM/STS endpoint (loopback only) with a demo account: groups admin, operator and
readonly, roles iam-role-admin and iam-role-operator (trust requires MFA), and a user holding the
forced-MFA self-management policy. Prints one JSON line on stdout, then serves until SIGINT/SIGTERM.

The printed secrets are the demo account's; they are valid only on this endpoint.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			srv := localaws.New(localaws.Options{KeyPropagationDelay: keyDelay, Log: a.debugLog.Printf})
			seeded, err := srv.Seed(scenario)
			if err != nil {
				return usageError{err}
			}
			url, err := srv.Start(addr)
			if err != nil {
				return usageError{err}
			}
			defer srv.Close()
			if err := json.NewEncoder(a.stdout).Encode(demoServeInfo{EndpointURL: url, Scenario: scenario, Seeded: seeded}); err != nil {
				return fmt.Errorf("print endpoint: %w", err)
			}
			<-cmd.Context().Done()
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:0", "loopback address to listen on (port 0 picks a free port)")
	f.StringVar(&scenario, "scenario", localaws.ScenarioNewUser, "account state: new-user (no MFA yet) or onboarded (MFA enabled)")
	f.DurationVar(&keyDelay, "key-delay", 0, "how long a newly created access key stays unusable, as in AWS (e.g. 5s)")
	return cmd
}
