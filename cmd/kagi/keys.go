package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
)

// staleKeyAge: keys older than this are flagged for rotation (the usual 90-day policy).
const staleKeyAge = 90 * 24 * time.Hour

func newKeysCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "List, rotate, deactivate and delete your IAM user's access keys",
		Long: `Manage the access keys of the IAM user behind --profile (else $AWS_PROFILE, else "default"). The calls
sign with your MFA session, as the forced-MFA policy requires; kagi asks for a code if none is cached.`,
		GroupID: "selfservice",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newKeysListCmd(a), newKeysRotateCmd(a), newKeysStatusCmd(a, false), newKeysStatusCmd(a, true))
	return cmd
}

// keysClient is the user's profile, its engine and an IAM client signing with its self-service credentials.
type keysClient struct {
	eng *session.Engine
	cfg awsx.Config
	ss  *session.SelfService
	iam awsx.AccessKeysAPI
}

func (a *app) keysOpen(ctx context.Context, f *sessionFlags) (*keysClient, error) {
	eng, err := a.engine(f)
	if err != nil {
		return nil, err
	}
	ss, err := eng.SelfService(ctx, cmp.Or(a.settings.Profile, a.env("AWS_PROFILE"), "default"))
	if errors.Is(err, session.ErrAborted) {
		err = errAborted
	}
	cfg, cerr := a.awsConfig()
	if err = cmp.Or(err, cerr); err != nil {
		return nil, err
	}
	return &keysClient{eng: eng, cfg: cfg, ss: ss, iam: cfg.WithCredentials(ss.Creds, "self-service").IAM()}, nil
}

// explain turns an access denial without MFA, or a cached MFA session AWS says has expired, into what to do;
// other errors pass unchanged.
func (c *keysClient) explain(err error) error {
	err = c.eng.StaleSelfService(c.ss, err)
	if err != nil && !c.ss.MFA && awsx.Classify(err) == awsx.ClassAccessDenied {
		return fmt.Errorf("managing access keys was denied without MFA, and profile %s has no MFA device kagi knows of; "+
			"run 'kagi mfa register', or add mfa_serial to [profile %s] if you already have a device", c.ss.Profile, c.ss.Profile)
	}
	return err
}

// storedID is the ID of the key kagi uses for the profile, "" if it cannot be read.
func (c *keysClient) storedID() (id, where string) {
	_, k, where, _ := c.eng.StoredKey(c.ss.Profile) // on error, k is the zero key
	return k.AccessKeyID, where
}

// keyJSON is one key in 'kagi keys list --json'. Key IDs are not secret; secrets are never listed.
type keyJSON struct {
	ID            string     `json:"id"`
	Masked        string     `json:"masked_id"`
	Status        string     `json:"status"`
	Created       time.Time  `json:"created"`
	AgeDays       int        `json:"age_days"`
	Stale         bool       `json:"stale"` // older than 90 days
	LastUsed      *time.Time `json:"last_used,omitempty"`
	LastService   string     `json:"last_service,omitempty"`
	LastRegion    string     `json:"last_region,omitempty"`
	LastUsedError string     `json:"last_used_error,omitempty"`
	Kagi          bool       `json:"kagi"`    // the key kagi stores for the profile
	Pending       bool       `json:"pending"` // the new key of an unfinished rotation
}

func newKeysListCmd(a *app) *cobra.Command {
	var (
		f      sessionFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List your access keys: status, age, last use, and which one kagi uses",
		Long: `List the access keys of your IAM user (at most two): ID (masked), status, age in days (keys older than 90
days are marked !), when each was last used ("not permitted" if your policy does not allow
iam:GetAccessKeyLastUsed), and which one kagi stores for the profile.

--json prints {"profile", "stored_in", "keys": [{id, masked_id, status, created, age_days, stale, last_used,
last_service, last_region, last_used_error, kagi, pending}]}; it never holds a secret.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.keysOpen(cmd.Context(), &f)
			if err != nil {
				return err
			}
			keys, err := awsx.ListKeysLastUsed(cmd.Context(), c.iam, "")
			if err != nil {
				return c.explain(err)
			}
			stored, where := c.storedID()
			step, pendingID, pending := c.eng.PendingRotation(c.ss.Profile)
			now := time.Now()
			if c.eng.Now != nil {
				now = c.eng.Now() // the engine's clock: the endpoint's in tests
			}
			out := []keyJSON{}
			for _, k := range keys {
				age := k.AgeAt(now)
				out = append(out, keyJSON{ID: k.ID, Masked: session.MaskKeyID(k.ID), Status: k.Status, Created: k.Created, AgeDays: int(age.Hours() / 24),
					Stale: age > staleKeyAge, LastUsed: k.LastUsed, LastService: k.LastService, LastRegion: k.LastRegion, LastUsedError: k.LastUsedErr,
					Kagi: k.ID == stored, Pending: pending && k.ID == pendingID})
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Profile string    `json:"profile"`
					Store   string    `json:"stored_in"`
					Keys    []keyJSON `json:"keys"`
				}{c.ss.Profile, where, out})
			}
			if err := writeKeysTable(a.stdout, out, c.ss.Profile); err != nil {
				return err
			}
			for _, k := range out {
				if k.Stale {
					fmt.Fprintf(a.stderr, "Key %s is %d days old (marked !); rotate it ('kagi keys rotate --profile %s' for kagi's), or delete it if nothing uses it.\n", k.Masked, k.AgeDays, c.ss.Profile)
				}
			}
			if pending {
				fmt.Fprintf(a.stderr, "A rotation of profile %s was interrupted (step %s); 'kagi keys rotate --profile %s' finishes it.\n", c.ss.Profile, step, c.ss.Profile)
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON (never a secret)")
	return cmd
}

func writeKeysTable(w io.Writer, keys []keyJSON, profile string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tAGE\tLAST USED\tKAGI")
	for _, k := range keys {
		age := fmt.Sprintf("%dd", k.AgeDays)
		if k.Stale {
			age += " !"
		}
		used := "never"
		switch {
		case k.LastUsedError != "":
			used = k.LastUsedError
		case k.LastUsed != nil:
			used = k.LastUsed.UTC().Format(time.DateOnly) + " (" + cleanCell(k.LastService) + ", " + cleanCell(k.LastRegion) + ")"
		}
		mark := "-"
		if k.Kagi {
			mark = "profile " + cleanCell(profile)
		} else if k.Pending {
			mark = "rotation pending"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.Masked, k.Status, age, used, mark)
	}
	return tw.Flush()
}

func newKeysRotateCmd(a *app) *cobra.Command {
	var (
		f                                 sessionFlags
		del, delInactive, yes, showSecret bool
		timeout                           time.Duration
	)
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Replace the profile's access key with a new one, safely",
		Long: `Create a new access key, store it where the old one is (keyring or credentials file), wait until AWS
accepts it, make it the profile's key, and deactivate the old one. With --delete the old key is then
deleted (kagi asks first, unless --yes). Every step is journaled: if kagi is interrupted, the next
'kagi keys rotate' finishes the rotation or rolls it back; the profile always keeps a working key.

An IAM user can have two keys. If there is a second one already, delete it first ('kagi keys delete ID'),
or pass --delete-inactive to let kagi delete it when it is inactive.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, err := a.keysOpen(ctx, &f)
			if err != nil {
				return err
			}
			opts := session.RotateOptions{
				Profile: c.ss.Profile, Wait: awsx.Waiter{Timeout: timeout},
				IAM: func(p aws.CredentialsProvider) awsx.AccessKeysAPI {
					return c.cfg.WithCredentials(p, "self-service").IAM()
				},
				Progress: func(msg string) { fmt.Fprintln(a.stderr, msg) },
			}
			if delInactive {
				if opts.DeleteOther, err = keysConfirmInactive(ctx, c, yes); err != nil {
					return err
				}
			}
			if del {
				opts.Confirm = func(ctx context.Context, old string) (bool, error) {
					ok, err := keysConfirm(ctx, yes, fmt.Sprintf("The new key works. Delete the old key %s now? This cannot be undone.", session.MaskKeyID(old)))
					if errors.Is(err, errKeysNoTTY) {
						err = nil // keep the old key inactive
					}
					return ok, err
				}
			}
			res, err := c.eng.Rotate(ctx, opts)
			if errors.Is(err, session.ErrAborted) {
				err = errAborted
			}
			if res != nil && res.DeletedOther != "" {
				fmt.Fprintf(a.stderr, "Deleted the inactive key %s.\n", session.MaskKeyID(res.DeletedOther))
			}
			if err != nil {
				step, _, paused := c.eng.PendingRotation(c.ss.Profile)
				switch {
				case paused && errors.Is(err, errAborted), paused && ctx.Err() != nil:
					fmt.Fprintf(a.stderr, "The rotation of profile %s is paused after step %s; run 'kagi keys rotate --profile %s' again to finish it.\n", c.ss.Profile, step, c.ss.Profile)
				case paused: // one line: why it stopped, and how to finish
					return fmt.Errorf("the rotation of profile %s is paused after step %s (%s); run 'kagi keys rotate --profile %s' again to finish it",
						c.ss.Profile, step, strings.TrimSuffix(userSentence(c.explain(err)), "."), c.ss.Profile)
				}
				return c.explain(err)
			}
			fmt.Fprintf(a.stderr, "Rotated the access key of profile %s: %s works and is stored in %s.\n", res.Profile, session.MaskKeyID(res.NewID), res.Store)
			if res.OldDeleted {
				fmt.Fprintf(a.stderr, "Deleted the old key %s.\n", session.MaskKeyID(res.OldID))
			}
			for _, n := range res.Notes {
				fmt.Fprintf(a.stderr, "Note: %s.\n", n)
			}
			if showSecret {
				a.keysShowSecret(ctx, c, res)
			}
			return nil
		},
	}
	f.register(cmd)
	fs := cmd.Flags()
	fs.BoolVar(&del, "delete", false, "delete the old key once the new one works (asks first, unless --yes)")
	fs.BoolVar(&delInactive, "delete-inactive", false, "if an inactive second key blocks the rotation, delete it first (asks first, unless --yes)")
	fs.BoolVarP(&yes, "yes", "y", false, "answer yes to every confirmation")
	fs.BoolVar(&showSecret, "show-secret", false, "show the new secret access key once, on the terminal (it is stored already)")
	fs.DurationVar(&timeout, "timeout", awsx.DefaultWaitTimeout, "how long to wait for AWS to accept the new key")
	return cmd
}

// errKeysNoTTY: there is no terminal to ask on.
var errKeysNoTTY = errors.New("no terminal to confirm on")

// keysConfirm asks question on the terminal; yes answers it without asking.
func keysConfirm(ctx context.Context, yes bool, question string) (bool, error) {
	if yes {
		return true, nil
	}
	t, err := openTerminal(ctx)
	if err != nil {
		return false, errKeysNoTTY
	}
	defer t.Close()
	return t.confirm(ctx, question)
}

// keysConfirmInactive asks before --delete-inactive deletes the user's inactive second key.
func keysConfirmInactive(ctx context.Context, c *keysClient, yes bool) (bool, error) {
	keys, err := awsx.ListKeys(ctx, c.iam, "")
	if err != nil {
		return false, c.explain(err)
	}
	stored, _ := c.storedID()
	for _, k := range keys {
		if k.ID == stored || k.Active() || len(keys) < 2 {
			continue
		}
		ok, err := keysConfirm(ctx, yes, fmt.Sprintf("Delete the inactive key %s (created %s) to make room? This cannot be undone.", session.MaskKeyID(k.ID), k.Created.UTC().Format(time.DateOnly)))
		if errors.Is(err, errKeysNoTTY) {
			err = errors.New("no terminal to confirm on; pass --yes to delete the inactive key without asking")
		} else if err == nil && !ok {
			err = fmt.Errorf("kept the inactive key %s, as you did not answer y, so there is no room for a new key", session.MaskKeyID(k.ID))
		}
		return ok, err
	}
	return false, nil
}

// keysShowSecret shows the new secret once on the terminal, never on stdout or stderr.
func (a *app) keysShowSecret(ctx context.Context, c *keysClient, res *session.RotateResult) {
	_, k, _, err := c.eng.StoredKey(res.Profile)
	t, terr := openTerminal(ctx)
	if err != nil || terr != nil {
		fmt.Fprintf(a.stderr, "Cannot show the new secret (no terminal, or it cannot be read back); it is stored in %s.\n", res.Store)
		return
	}
	defer t.Close()
	_ = t.say(fmt.Sprintf("Secret access key of %s (shown once; it is stored in %s):\n%s\n", k.AccessKeyID, res.Store, k.SecretAccessKey))
}

func newKeysStatusCmd(a *app, del bool) *cobra.Command {
	var (
		f          sessionFlags
		force, yes bool
	)
	verb, short := "deactivate", "Deactivate one of your access keys (it can be activated again)"
	if del {
		verb, short = "delete", "Delete one of your access keys (cannot be undone)"
	}
	cmd := &cobra.Command{
		Use:   verb + " ID",
		Short: short,
		Long: short + `. ID is the key's full ID, its masked form (AKIA…WXYZ, as 'kagi keys list'
shows it) or its last characters. kagi refuses to ` + verb + ` the key it uses for the profile (rotate it
with 'kagi keys rotate' instead) unless --force is given.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := a.keysOpen(ctx, &f)
			if err != nil {
				return err
			}
			keys, err := awsx.ListKeys(ctx, c.iam, "")
			if err != nil {
				return c.explain(err)
			}
			k, err := matchKey(keys, args[0])
			if err != nil {
				return err
			}
			masked := session.MaskKeyID(k.ID)
			stored, _ := c.storedID()
			_, pendingID, pending := c.eng.PendingRotation(c.ss.Profile)
			switch {
			case k.ID == stored && !force:
				return fmt.Errorf("%s is the key kagi uses for profile %s, which would stop working; rotate it with 'kagi keys rotate --profile %s' instead, or pass --force", masked, c.ss.Profile, c.ss.Profile)
			case pending && k.ID == pendingID && !force:
				return fmt.Errorf("%s is the new key of an unfinished rotation of profile %s; finish it with 'kagi keys rotate --profile %s', or pass --force", masked, c.ss.Profile, c.ss.Profile)
			case !del:
				if err := awsx.SetKeyStatus(ctx, c.iam, "", k.ID, false); err != nil {
					return c.explain(err)
				}
				_, err := fmt.Fprintf(a.stderr, "Deactivated access key %s; whatever still uses it now fails, and it can be activated again.\n", masked)
				return err
			}
			ok, err := keysConfirm(ctx, yes, fmt.Sprintf("Delete access key %s (%s, created %s)? This cannot be undone.", masked, strings.ToLower(k.Status), k.Created.UTC().Format(time.DateOnly)))
			switch {
			case errors.Is(err, errKeysNoTTY):
				return fmt.Errorf("no terminal to confirm on; run 'kagi keys delete %s --yes' to delete the key without asking", k.ID)
			case err != nil:
				return err
			case !ok:
				return fmt.Errorf("kept access key %s, as you did not answer y; answer y (or pass --yes) to delete it", masked)
			}
			if err := awsx.DeleteKey(ctx, c.iam, "", k.ID); err != nil {
				return c.explain(err)
			}
			fmt.Fprintf(a.stderr, "Deleted access key %s.\n", masked)
			if k.ID == stored {
				fmt.Fprintf(a.stderr, "Profile %s has no working key now; store a new one with 'kagi add %s --replace'.\n", c.ss.Profile, c.ss.Profile)
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&force, "force", false, "allow it even for the key kagi uses for the profile")
	if del {
		cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	}
	return cmd
}
