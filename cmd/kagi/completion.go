package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/session"
)

// profileCommands take a profile name as their first argument.
var profileCommands = map[string]bool{
	"credential-process": true, "assume": true, "doctor": true, "exec": true, "export": true, "console": true,
	"add": true, "remove": true, "import": true, "clear": true,
}

// addProfileCompletion completes profile names from the AWS config (and credentials file) for --profile and
// for the first argument of the commands that take a profile.
func addProfileCompletion(a *app, root *cobra.Command) {
	complete := func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveDefault // exec: complete the command after --
		}
		return a.profileNames(toComplete), cobra.ShellCompDirectiveNoFileComp
	}
	_ = root.RegisterFlagCompletionFunc("profile", func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return a.profileNames(toComplete), cobra.ShellCompDirectiveNoFileComp
	})
	for _, cmd := range root.Commands() {
		if profileCommands[cmd.Name()] && cmd.ValidArgsFunction == nil {
			cmd.ValidArgsFunction = complete
		}
	}
}

// profileNames lists the profiles starting with prefix; errors yield no completions (never noise).
func (a *app) profileNames(prefix string) []string {
	cfg, err := session.LoadConfig(session.ConfigPath(session.Env(a.env)))
	if err != nil {
		return nil
	}
	names := cfg.Names()
	if creds, err := session.LoadCredentials(session.CredentialsPath(session.Env(a.env))); err == nil {
		seen := map[string]bool{}
		for _, n := range names {
			seen[n] = true
		}
		for _, n := range creds.Profiles() {
			if !seen[n] {
				names = append(names, n)
			}
		}
	}
	out := names[:0]
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out
}
