package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mdp/qrterminal/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
	"rsc.io/qr"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
)

func newMFACmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "mfa",
		Short:   "Register, resync, remove or list your virtual MFA device",
		GroupID: "selfservice",
		Args:    cobra.NoArgs, // so that an unknown subcommand is a usage error, not help
		RunE:    func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newMFARegisterCmd(a), newMFAResyncCmd(a), newMFARemoveCmd(a), newMFAListCmd(a))
	return cmd
}

// checkCodeFlags rejects malformed --code1/--code2/--code3 before any AWS call; empty ones are asked for.
func checkCodeFlags(codes ...string) error {
	for i, c := range codes {
		if c != "" && !awsx.IsMFACode(c) {
			return usagef("--code%d must be the 6-digit code your authenticator shows", i+1)
		}
	}
	return nil
}

// askCode reads a 6-digit code on the terminal (spaces allowed, "123 456"), asking again after a typo.
func askCode(ctx context.Context, t *terminal, prompt string) (string, error) {
	for try := 0; try < 3; try++ {
		line, err := t.ask(ctx, prompt)
		if err != nil {
			return "", err
		}
		if code := strings.ReplaceAll(line, " ", ""); awsx.IsMFACode(code) {
			return code, nil
		}
		_ = t.say("That is not a 6-digit code.\n")
	}
	return "", errors.New("no 6-digit code after 3 tries; run the command again when your authenticator is ready")
}

// codePair returns code1 and code2 from the flags, or asks for them; interactive says whether it asked.
func codePair(ctx context.Context, t *terminal, flag1, flag2 string) (c1, c2 string, interactive bool, err error) {
	if flag1 != "" && flag2 != "" {
		return flag1, flag2, false, nil
	}
	if t == nil {
		return "", "", false, errors.New("no terminal to type the codes on; pass --code1 and --code2")
	}
	if c1, err = askCode(ctx, t, "Code 1 (the code shown now): "); err != nil {
		return "", "", true, err
	}
	c2, err = askCode(ctx, t, "Code 2 (the next code, once it changes): ")
	return c1, c2, true, err
}

// qrFits reports whether a half-block QR code of the URI fits the terminal behind w; unknown sizes fit.
func qrFits(w io.Writer, uri string) (fits bool, cols, rows int) {
	code, err := qr.Encode(uri, qr.L)
	if err != nil {
		return false, 0, 0
	}
	need := code.Size + 2 // one quiet-zone column each side; half blocks halve the rows
	f, ok := w.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return true, 0, 0
	}
	cols, rows, err = term.GetSize(int(f.Fd()))
	if err != nil {
		return true, 0, 0
	}
	return cols >= need && rows >= need/2+6, cols, rows
}

// showEnrollment draws the QR code, or the grouped secret when the terminal is too small or it was asked for.
func showEnrollment(w io.Writer, e *awsx.Enrollment, user, account string, showSecret bool) {
	fmt.Fprintf(w, "Scan this QR code with your authenticator app (device %s):\n", e.Serial)
	fits, cols, rows := qrFits(w, e.URI)
	if fits {
		qrterminal.GenerateWithConfig(e.URI, qrterminal.Config{Level: qrterminal.L, Writer: w, HalfBlocks: true, QuietZone: 1})
	} else {
		fmt.Fprintf(w, "The terminal (%dx%d) is too small for the QR code; enter the key by hand instead.\n", cols, rows)
	}
	if !fits || showSecret {
		fmt.Fprintf(w, "Account: %s@%s   Key (time-based, 6 digits): %s\n", user, account, e.GroupedSecret())
	}
}

// isNameRune: IAM names are [\w+=,.@-]+.
func isNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_+=,.@-", r)
}

// codeRetryable says whether to ask again after err: only for codes typed on the terminal.
func codeRetryable(err error, interactive bool, try int) bool {
	c := awsx.Classify(err)
	return interactive && try < 3 && (c == awsx.ClassInvalidMFA || c == awsx.ClassMFAUsed)
}

func newMFARegisterCmd(a *app) *cobra.Command {
	var (
		deviceName, code1, code2, code3 string
		showSecret                      bool
		f                               = sessionFlags{window: 15 * time.Minute}
	)
	cmd := &cobra.Command{
		Use:   "register",
		Short: "Create and enable a virtual MFA device for your IAM user, then start an MFA session",
		Long: `Create a virtual MFA device, show its QR code on the terminal, enable it with two consecutive codes
from your authenticator, and start an MFA session with a third code, so that role profiles work at once.
Under a forced-MFA policy this is all a new user may do; kagi makes only the calls that policy allows.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkCodeFlags(code1, code2, code3); err != nil {
				return err
			}
			if len(deviceName) > 220 || strings.ContainsFunc(deviceName, func(r rune) bool { return !isNameRune(r) }) {
				return usagef("--device-name may hold only letters, digits and + = , . @ _ -, at most 220 of them")
			}
			ctx, profile := cmd.Context(), a.selfProfile()
			eng, sk, id, err := a.selfUser(ctx, &f)
			if err != nil {
				return err
			}
			if len(id.MFADevices) > 0 {
				return fmt.Errorf("user %s already has MFA device %s; use 'kagi mfa remove' first", id.UserName, id.MFADevices[0].SerialNumber)
			}
			if deviceName == "" && sk.fromConfig { // keep a prefilled mfa_serial right
				if _, name, ok := strings.Cut(sk.serial, ":mfa/"); ok && !strings.Contains(name, "/") {
					deviceName = name
				}
			}
			t, terr := openTerminal(ctx)
			if terr != nil && (code1 == "" || code2 == "" || code3 == "") {
				return errors.New("no terminal to show the QR code and read the codes on; run 'kagi mfa register' in a terminal")
			}
			out := a.stderr
			if t != nil {
				defer t.Close()
				out = t.rw
			}
			iamc := sk.cfg.IAM()
			e, err := awsx.BeginEnrollment(ctx, iamc, id.UserName, deviceName)
			if err != nil {
				return plainSentence(err)
			}
			defer e.Forget()
			if e.Replaced != "" {
				fmt.Fprintf(out, "An unfinished device from an earlier attempt (%s) stays unassigned; this one is %s.\n", e.Replaced, e.Serial)
			}
			showEnrollment(out, e, id.UserName, id.Account, showSecret)
			if err := enableWithCodes(ctx, t, iamc, id.UserName, e.Serial, code1, code2); err != nil {
				cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second) // also after Ctrl+C
				defer cancel()
				if cerr := awsx.CancelEnrollment(cctx, iamc, e.Serial); cerr != nil {
					fmt.Fprintf(a.stderr, "Note: %s\n", userSentence(cerr))
				}
				return plainSentence(err)
			}
			e.Forget()
			fmt.Fprintln(a.stdout, e.Serial)
			if err := startFirstSession(ctx, t, eng, profile, e.Serial, code3); errors.Is(err, errAborted) {
				fmt.Fprintf(a.stderr, "MFA device %s is enabled; the next command that needs MFA asks for a code.\n", e.Serial)
				return err
			} else if err != nil {
				return fmt.Errorf("MFA device %s is enabled and recorded for profile %s, but the session did not start: %s", e.Serial, sk.source, strings.TrimSuffix(message(err), "."))
			}
			fmt.Fprintf(a.stderr, "Enabled MFA device %s for %s and started an MFA session for profile %s.\n", e.Serial, id.UserName, sk.source)
			if sk.fromConfig && sk.serial != e.Serial {
				fmt.Fprintf(a.stderr, "Your config sets mfa_serial = %s for profile %s; change it to %s.\n", sk.serial, sk.source, e.Serial)
			} else if !sk.fromConfig {
				fmt.Fprintf(a.stderr, "kagi remembers the device; for other tools add mfa_serial = %s to [profile %s] in %s.\n", e.Serial, sk.source, eng.Config.Path)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&deviceName, "device-name", "", "name of the virtual MFA device (default: your user name)")
	fs.StringVar(&code1, "code1", "", "first code, for scripts (default: ask on the terminal)")
	fs.StringVar(&code2, "code2", "", "second, consecutive code, for scripts")
	fs.StringVar(&code3, "code3", "", "a later code that starts the MFA session, for scripts")
	fs.BoolVar(&showSecret, "show-secret", false, "also print the key as text, for authenticators that cannot scan")
	fs.DurationVar(&f.sessionDuration, "session-duration", session.DefaultSessionDuration, "lifetime of the MFA session started after enabling, 15m to 36h")
	return cmd
}

// enableWithCodes enables the device, asking again (up to 3 times) when AWS rejects codes typed on the terminal.
func enableWithCodes(ctx context.Context, t *terminal, api awsx.MFAAPI, user, serial, flag1, flag2 string) error {
	for try := 1; ; try++ {
		c1, c2, interactive, err := codePair(ctx, t, flag1, flag2)
		if err != nil {
			return err
		}
		err = awsx.Enable(ctx, api, user, serial, c1, c2)
		if !codeRetryable(err, interactive, try) {
			return err
		}
		_ = t.say(userSentence(err) + "\n")
	}
}

// startFirstSession opens the MFA session with a code later than the two just used.
func startFirstSession(ctx context.Context, t *terminal, eng *session.Engine, profile, serial, flag3 string) error {
	for try := 1; ; try++ {
		code, interactive := flag3, false
		if code == "" {
			var err error
			if code, err = askCode(ctx, t, "One more code to start your session (wait for the next one): "); err != nil {
				return err
			}
			interactive = true
		}
		_, err := eng.StartSession(ctx, profile, serial, code)
		if !codeRetryable(err, interactive, try) {
			return err
		}
		_ = t.say(userSentence(err) + "\n")
	}
}

func newMFAResyncCmd(a *app) *cobra.Command {
	var code1, code2, serial string
	cmd := &cobra.Command{
		Use:   "resync",
		Short: "Resynchronize your MFA device when its codes stop working (clock drift)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkCodeFlags(code1, code2); err != nil {
				return err
			}
			ctx := cmd.Context()
			_, sk, id, err := a.selfUser(ctx, &sessionFlags{window: 15 * time.Minute, sessionDuration: session.DefaultSessionDuration})
			if err != nil {
				return err
			}
			if serial = firstSerial(serial, sk.serial, id.MFADevices); serial == "" {
				return fmt.Errorf("user %s has no MFA device to resync; register one with 'kagi mfa register'", id.UserName)
			}
			t, terr := openTerminal(ctx)
			if terr != nil && (code1 == "" || code2 == "") {
				return errors.New("no terminal to type the codes on; pass --code1 and --code2")
			}
			if t != nil {
				defer t.Close()
				_ = t.say(fmt.Sprintf("Resynchronizing MFA device %s.\n", serial))
			}
			for try := 1; ; try++ {
				c1, c2, interactive, err := codePair(ctx, t, code1, code2)
				if err != nil {
					return err
				}
				err = awsx.Resync(ctx, sk.cfg.IAM(), id.UserName, serial, c1, c2)
				if codeRetryable(err, interactive, try) {
					_ = t.say(userSentence(err) + "\n")
					continue
				}
				if err != nil {
					return plainSentence(err)
				}
				_, err = fmt.Fprintf(a.stderr, "Resynchronized MFA device %s; its next codes will work.\n", serial)
				return err
			}
		},
	}
	cmd.Flags().StringVar(&code1, "code1", "", "first code, for scripts (default: ask on the terminal)")
	cmd.Flags().StringVar(&code2, "code2", "", "second, consecutive code, for scripts")
	cmd.Flags().StringVar(&serial, "serial", "", "the device to resync (default: the profile's)")
	return cmd
}

// firstSerial picks the device: the flag, the profile's, else the user's only one.
func firstSerial(flag, known string, devices []awsx.MFADevice) string {
	switch {
	case flag != "":
		return flag
	case known != "":
		return known
	case len(devices) == 1:
		return devices[0].SerialNumber
	}
	return ""
}

func newMFAListCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the MFA devices of your IAM user",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, sk, id, err := a.selfUser(cmd.Context(), &sessionFlags{window: 15 * time.Minute, sessionDuration: session.DefaultSessionDuration})
			if err != nil {
				return err
			}
			if len(id.MFADevices) == 0 {
				_, err := fmt.Fprintf(a.stderr, "User %s has no MFA device; register one with 'kagi mfa register'.\n", id.UserName)
				return err
			}
			for _, d := range id.MFADevices {
				mark := ""
				if d.SerialNumber == sk.serial {
					mark = "  (profile " + sk.source + ")"
				}
				fmt.Fprintf(a.stdout, "%s  enabled %s%s\n", d.SerialNumber, d.EnabledAt.UTC().Format(time.DateOnly), mark)
			}
			return nil
		},
	}
}

func newMFARemoveCmd(a *app) *cobra.Command {
	var yes bool
	f := sessionFlags{window: 15 * time.Minute}
	cmd := &cobra.Command{
		Use:   "remove",
		Short: "Deactivate and delete your MFA device (needs an MFA session)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, profile := cmd.Context(), a.selfProfile()
			eng, sk, id, err := a.selfUser(ctx, &f)
			if err != nil {
				return err
			}
			serial := firstSerial("", sk.serial, id.MFADevices)
			assigned := false
			for _, d := range id.MFADevices {
				assigned = assigned || d.SerialNumber == serial
			}
			if !assigned && serial == "" {
				return fmt.Errorf("user %s has no MFA device to remove", id.UserName)
			} else if !assigned {
				return fmt.Errorf("user %s has no MFA device %s; 'kagi mfa list' shows the devices", id.UserName, serial)
			}
			if !yes {
				t, err := openTerminal(ctx)
				if err != nil {
					return errors.New("no terminal to confirm on; run 'kagi mfa remove --yes'")
				}
				ok, err := t.confirm(ctx, fmt.Sprintf("Deactivate and delete MFA device %s of %s?", serial, id.UserName))
				_ = t.Close()
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("kept MFA device %s", serial)
				}
			}
			res, err := eng.RemoveMFADevice(ctx, sk.cfg, profile, id.UserName, serial)
			if errors.Is(err, session.ErrAborted) {
				return errAborted
			} else if err != nil {
				return plainSentence(err)
			}
			fmt.Fprintf(a.stderr, "Removed MFA device %s of %s and %s.\n", serial, id.UserName, plural(res.Sessions, "cached session"))
			if res.Leftover != nil {
				fmt.Fprintf(a.stderr, "Note: %s\n", userSentence(res.Leftover))
			}
			if res.FromConfig {
				fmt.Fprintf(a.stderr, "Delete mfa_serial from the profile %s uses in %s; it names the removed device.\n", sk.source, eng.Config.Path)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "do not ask for confirmation")
	f.register(cmd)
	return cmd
}
