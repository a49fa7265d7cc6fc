package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/session"
)

func newListCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the profiles, where their keys are, and their cached sessions",
		Long: `List every profile of the AWS config and credentials files and the keyring: whether it is a role or a
source profile, where a source profile's long-term key is (keyring, or a plaintext file), and the cached
sessions with their expiry. kagi reads only the keyring's item names here, never a secret.

--json prints one object: keyring_backend, session_backend (where cached sessions are), config_file, credentials_file and profiles, each with name,
kind (role, source, invalid), role_arn, source_profile, mfa_serial, key (keyring, credentials_file,
config_file, none; "" for roles), plaintext, in_config, sessions (kind, expires, seconds_left) and error.`,
		GroupID: "keys",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pf, err := a.openProfileFiles(true)
			if err != nil {
				return err
			}
			l, err := session.List(pf.config, pf.creds, pf.store, time.Now())
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(l)
			}
			if len(l.Profiles) == 0 {
				_, err := fmt.Fprintf(a.stderr, "No profiles in %s, %s or the keyring; add a source profile's key with 'kagi add PROFILE'.\n", l.ConfigFile, l.CredentialsFile)
				return err
			}
			if err := writeListTable(a.stdout, l, time.Now()); err != nil {
				return err
			}
			writeListHints(a.stderr, l)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON (never a secret)")
	return cmd
}

// writeListTable prints one line per profile in aligned columns.
func writeListTable(w io.Writer, l *session.Listing, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tKIND\tKEY/SOURCE\tROLE\tCACHED")
	for _, p := range l.Profiles {
		from := p.SourceProfile
		if p.Key != "" {
			from = keyLabel(p.Key)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cleanCell(p.Name), p.Kind, dash(cleanCell(from)), dash(roleName(p.RoleARN)), cachedLabel(p.Sessions, now))
	}
	return tw.Flush()
}

// writeListHints explains the marks of the table, on stderr: they are advice, not data.
func writeListHints(w io.Writer, l *session.Listing) {
	var plain []string
	for _, p := range l.Profiles {
		switch {
		case p.Kind == session.KindInvalid:
			fmt.Fprintf(w, "Profile %s: %s\n", cleanCell(p.Name), p.Error)
		case p.Key == session.KeyInCredentials:
			plain = append(plain, p.Name)
		case p.Key == session.KeyInConfig:
			fmt.Fprintf(w, "* plaintext key in %s: store it with 'kagi add %s', then delete aws_access_key_id and aws_secret_access_key from [profile %s].\n", l.ConfigFile, cleanCell(p.Name), cleanCell(p.Name))
		case !p.InConfig && p.Key == session.KeyInKeyring && p.Kind == session.KindSource:
			fmt.Fprintf(w, "Profile %s has a key in the keyring but is not in %s; add [profile %s] there.\n", cleanCell(p.Name), l.ConfigFile, cleanCell(p.Name))
		}
	}
	if len(plain) > 0 {
		fmt.Fprintf(w, "* plaintext key in %s: move it into the keyring with 'kagi import %s'.\n", l.CredentialsFile, cleanCell(strings.Join(plain, "', 'kagi import ")))
	}
}

func keyLabel(key string) string {
	switch key {
	case session.KeyInCredentials:
		return "credentials file*"
	case session.KeyInConfig:
		return "config file*"
	}
	return key
}

// roleName is the part of a role ARN after "role/" (and its path), cut to fit the table.
func roleName(arn string) string {
	name := arn[strings.LastIndexByte(arn, '/')+1:]
	if len(name) > 24 {
		name = name[:23] + "…"
	}
	return name
}

// cachedLabel describes the newest cached session: "52m left (until 14:05)".
func cachedLabel(sessions []session.CachedSession, now time.Time) string {
	if len(sessions) == 0 {
		return "-"
	}
	s := sessions[0]
	if s.SecondsLeft <= 0 {
		return "expired"
	}
	left := time.Duration(s.SecondsLeft) * time.Second
	var l string
	switch {
	case left < time.Minute:
		l = "<1m"
	case left < time.Hour:
		l = fmt.Sprintf("%dm", int(left/time.Minute))
	default:
		l = fmt.Sprintf("%dh%02dm", int(left/time.Hour), int(left%time.Hour/time.Minute))
	}
	until := s.Expires.Local().Format("15:04")
	if s.Expires.Sub(now) > 20*time.Hour {
		until = s.Expires.Local().Format("Jan 2 15:04")
	}
	return l + " left (until " + until + ")"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cleanCell keeps a value from a file from breaking the table or driving the terminal.
func cleanCell(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}
