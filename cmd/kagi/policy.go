package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/awsx"
)

func newPolicyCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy self-service|role-trust|assume-group|check",
		Short: "Print the IAM policies kagi needs, or check a policy against kagi's flows",
		Long: `Print (as JSON on stdout) the IAM policies a team needs for kagi, built from exactly the AWS actions
kagi calls, or check an existing policy by running kagi's own flows against the embedded endpoint.

  kagi policy self-service --account 123456789012 > self-service.json
  kagi policy role-trust --account 123456789012 --source-ip 203.0.113.0/24
  kagi policy assume-group --role admin --role operator
  kagi policy check self-service.json assume-group.json`,
		GroupID: "admin",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usagef("choose a policy: self-service, role-trust, assume-group, or check FILE")
		},
	}
	cmd.AddCommand(
		newPolicyPrintCmd(a, awsx.PolicySelfService, "The forced-MFA self-management policy for IAM users (attach to their group)",
			`Everything but setting up MFA (and sts:GetSessionToken) is denied until the request carries MFA; with MFA
users manage their own password, access keys, CodeCommit Git credentials and MFA device, and nothing else.
iam:DeleteVirtualMFADevice is not allowed before MFA: a device left by an aborted onboarding stays
unassigned and kagi names the next one NAME-2.`),
		newPolicyPrintCmd(a, awsx.PolicyRoleTrust, "A role trust policy that requires MFA (and optionally a source range)",
			`The account's principals may assume the role only with MFA; their own policies (see assume-group) say
which of them may. --max-mfa-age limits how long ago the MFA code was entered: kagi reuses one MFA session
(12h by default) for all role sessions, so a shorter limit means MFA prompts more often.`),
		newPolicyPrintCmd(a, awsx.PolicyAssumeGroup, "A group policy allowing sts:AssumeRole into named roles with MFA",
			`Allows sts:AssumeRole into the roles given with --role (names or ARNs; default iam-role-admin and
iam-role-operator), only with MFA and, with --source-ip, only from those ranges.`),
		newPolicyCheckCmd(a),
	)
	return cmd
}

func newPolicyPrintCmd(a *app, kind, short, long string) *cobra.Command {
	var (
		o      awsx.PolicyOptions
		maxAge time.Duration
	)
	cmd := &cobra.Command{
		Use:   kind,
		Short: short,
		Long:  short + ".\n\n" + long,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.MaxMFAAge = maxAge
			d, err := awsx.BuildPolicy(kind, o)
			if err != nil {
				return usageError{err}
			}
			_, err = a.stdout.Write(d.JSON())
			return err
		},
	}
	f := cmd.Flags()
	accountHelp := `account ID in the ARNs (default "*": any account)`
	if kind == awsx.PolicyRoleTrust {
		accountHelp = "the 12-digit account whose principals may assume the role (required)"
	}
	f.StringVar(&o.Account, "account", "", accountHelp)
	if kind == awsx.PolicySelfService {
		return cmd
	}
	f.StringSliceVar(&o.SourceIPs, "source-ip", nil, "allow only from these CIDRs (repeatable or comma-separated)")
	f.DurationVar(&maxAge, "max-mfa-age", 0, "require the MFA code to be at most this old (e.g. 12h; default no limit)")
	if kind == awsx.PolicyAssumeGroup {
		f.StringSliceVar(&o.Roles, "role", nil, "role name or ARN to allow (repeatable; default iam-role-admin, iam-role-operator)")
	}
	return cmd
}

func newPolicyCheckCmd(a *app) *cobra.Command {
	var (
		o      awsx.PolicyCheckOptions
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "check FILE...",
		Short: "Check which of kagi's AWS calls a policy would deny",
		Long: `Run kagi's own flows (whoami, MFA onboarding and resync, the MFA session, password, access keys, Git
credentials, assuming roles, MFA removal) with the real SDK against the embedded endpoint, for an IAM user
holding exactly the policies in FILE..., and report every AWS action as allowed or denied, before and with
MFA. The roles tried are those the policies allow sts:AssumeRole into by name (or --role); each trusts the
account with MFA, so the permission to assume comes only from FILE.

Exit status: 0 when everything kagi needs is allowed, 1 when something is denied, 2 when a file cannot be
read or is not a valid IAM policy.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var files []awsx.PolicyFile
			for _, name := range args {
				data, err := os.ReadFile(name)
				if err != nil {
					var pe *os.PathError
					if errors.As(err, &pe) {
						err = pe.Err
					}
					return usagef("cannot read policy file %s: %v", name, err)
				}
				files = append(files, awsx.PolicyFile{Name: name, Data: data})
			}
			r, err := awsx.CheckPolicy(cmd.Context(), files, o)
			var me *awsx.MalformedPolicyError
			var oe *awsx.PolicyOptionError
			switch {
			case errors.As(err, &me), errors.As(err, &oe):
				return usageError{err}
			case err != nil:
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(r); err != nil {
					return err
				}
			} else if err := printPolicyCheck(a, r); err != nil {
				return err
			}
			if n := len(r.Denied); n > 0 {
				return fmt.Errorf("the policy denies %s kagi needs", plural(n, "action"))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.StringVar(&o.Account, "account", "", "account ID of the check (default: the one the policies' ARNs name)")
	f.StringSliceVar(&o.Roles, "role", nil, "role name to try assuming (repeatable; default: the roles the policies name)")
	f.StringVar(&o.SourceIP, "source-ip", "", "address the requests come from, for aws:SourceIp conditions (default 127.0.0.1)")
	f.StringVar(&o.UserName, "user", "", `IAM user name holding the policies (default "kagi-check")`)
	return cmd
}

// printPolicyCheck writes the report as a table, then the denied actions one per line.
func printPolicyCheck(a *app, r *awsx.PolicyCheckReport) error {
	roles := "none"
	if len(r.Roles) > 0 {
		roles = strings.Join(r.Roles, ", ")
	}
	fmt.Fprintf(a.stdout, "Checked as IAM user %s in account %s, requests from %s, roles: %s.\n\n", r.User, r.Account, r.SourceIP, roles)
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PHASE\tFEATURE\tACTION\tRESULT")
	for _, s := range r.Steps {
		result := s.Status
		if s.Note != "" && s.Status != awsx.StepAllowed {
			result += " (" + s.Note + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Phase, s.Feature, stepAction(s), result)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Denied) > 0 {
		fmt.Fprintln(a.stdout, "\nDenied (kagi cannot do these):")
		for _, s := range r.Denied {
			fmt.Fprintf(a.stdout, "  %s, %s: %s: %s\n", s.Phase, s.Feature, stepAction(s), s.Note)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(a.stdout, "\nNote: %s.\n", n)
	}
	return nil
}

func stepAction(s awsx.PolicyCheckStep) string {
	if s.Target != "" {
		return s.Action + " " + s.Target
	}
	return s.Action
}
