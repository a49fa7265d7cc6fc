package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/session/warm"
)

func newExportCmd(a *app) *cobra.Command {
	var (
		f      sessionFlags
		format string
	)
	cmd := &cobra.Command{
		Use:   "export PROFILE",
		Short: "Print the role session's credentials as shell variables, JSON or an INI profile",
		Long: `Print short-lived credentials for PROFILE on stdout:
  --format env    export AWS_ACCESS_KEY_ID=… lines for eval "$(kagi export admin)"
  --format json   the credential_process JSON object
  --format ini    a [PROFILE] section for a credentials file`,
		GroupID: "sessions",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "env" && format != "json" && format != "ini" {
				return usagef("--format %q is not one of env, json, ini", format)
			}
			profile, err := a.profileArg(cmd, args)
			if err != nil {
				return err
			}
			eng, res, err := a.credentials(cmd.Context(), &f, profile)
			if err != nil {
				return err
			}
			return writeExport(a.stdout, format, profile, a.region(eng, profile), res.Entry)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&format, "format", "env", "output format: env, json or ini")
	return cmd
}

func writeExport(w io.Writer, format, profile, region string, e warm.Entry) error {
	var err error
	switch format {
	case "json":
		_, err = w.Write(warm.ProcessOutput(e))
	case "ini":
		_, err = fmt.Fprintf(w, "[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = %s\n", profile, e.AccessKeyID, e.SecretAccessKey, e.SessionToken)
	default:
		vars := session.SessionVars(profile, region, e)
		names := make([]string, 0, len(vars))
		for k := range vars {
			names = append(names, k)
		}
		sort.Strings(names)
		var b strings.Builder
		for _, k := range names {
			fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(vars[k]))
		}
		_, err = io.WriteString(w, b.String())
	}
	return err
}

// shellQuote quotes s for POSIX shells.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// region for a profile's session: --region, else the profile chain's region, else the resolved default.
func (a *app) region(eng *session.Engine, profile string) string {
	if a.settings.Region != "" {
		return a.settings.Region
	}
	fallback := ""
	if cfg, err := a.awsConfig(); err == nil {
		fallback = cfg.Region
	}
	return eng.Config.Region(profile, fallback)
}
