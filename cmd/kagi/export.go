package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

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
	text, err := exportText(format, profile, region, e)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, text)
	return err
}

// exportText is the session in one of export's formats, or an error (and no text) when a value cannot be
// written so that its reader gets exactly it back: the shell, the AWS CLI's INI parser or a JSON decoder.
func exportText(format, profile, region string, e warm.Entry) (string, error) {
	switch format {
	case "json":
		return exportJSON(profile, e)
	case "ini":
		return exportINI(profile, e)
	default:
		return exportEnv(profile, region, e)
	}
}

func exportJSON(profile string, e warm.Entry) (string, error) {
	for _, f := range [][2]string{{"AccessKeyId", e.AccessKeyID}, {"SecretAccessKey", e.SecretAccessKey}, {"SessionToken", e.SessionToken}} {
		if !utf8.ValidString(f[1]) {
			return "", fmt.Errorf("cannot print the session as JSON: its %s is not UTF-8 text (a damaged cache); run 'kagi clear' for profile %q and try again", f[0], profile)
		}
	}
	return string(warm.ProcessOutput(e)), nil
}

func exportINI(profile string, e warm.Entry) (string, error) {
	reason := iniUnsafe(profile)
	if profile == "DEFAULT" {
		reason = "is configparser's defaults section, which the AWS CLI never reads as a profile"
	}
	if reason != "" {
		return "", fmt.Errorf("cannot print profile %q as an INI section: its name %s; use --format env or json", profile, reason)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[%s]\n", profile)
	for _, f := range [][2]string{{"aws_access_key_id", e.AccessKeyID}, {"aws_secret_access_key", e.SecretAccessKey}, {"aws_session_token", e.SessionToken}} {
		if reason := iniUnsafe(f[1]); reason != "" && f[1] != "" {
			return "", fmt.Errorf("cannot print the session as INI: its %s %s; use --format env or json", f[0], reason)
		}
		fmt.Fprintf(&b, "%s = %s\n", f[0], f[1])
	}
	return b.String(), nil
}

func exportEnv(profile, region string, e warm.Entry) (string, error) {
	vars := session.SessionVars(profile, region, e)
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		if strings.ContainsRune(vars[k], 0) {
			return "", fmt.Errorf("cannot export %s: its value contains a NUL byte, which no shell variable can hold", k)
		}
		fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(vars[k]))
	}
	return b.String(), nil
}

// iniUnsafe says why s cannot be an INI section name or value that every reader (the AWS CLI's configparser,
// the SDKs' and kagi's parsers) reads back unchanged, or "" if it can: line breaks and other control
// characters, brackets, comment characters, surrounding white space and quotes (parsers strip them) and a
// trailing backslash (a continuation line) are out. Every value STS issues passes.
func iniUnsafe(s string) string {
	switch {
	case s == "":
		return "is empty"
	case !utf8.ValidString(s):
		return "is not UTF-8 text"
	case strings.ContainsFunc(s, unicode.IsControl):
		return "contains a line break or another control character"
	case strings.ContainsAny(s, "[]#;"):
		return "contains one of [ ] # ;"
	case strings.TrimFunc(s, unicode.IsSpace) != s:
		return "starts or ends with white space"
	case strings.HasSuffix(s, `\`):
		return "ends with a backslash (a line continuation)"
	case strings.ContainsAny(s[:1], "\"'`") || strings.ContainsAny(s[len(s)-1:], "\"'`"):
		return "starts or ends with a quote (readers strip it)"
	}
	return ""
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
