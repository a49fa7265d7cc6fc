package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/smithy-go"

	"github.com/kagi-cli/kagi/awsx"
)

// Rotate replaces a source profile's access key with a new one, crash-safely.
//
// Design. The invariant, after any failure or crash at any point: the profile's stored key (keyring item,
// or [profile] in the credentials file: what the engine signs with) works; the user has at most 2 keys; no
// key is deleted before its successor is verified. The new secret exists only in CreateAccessKey's answer,
// and the old one only in the store, so the old key is never overwritten before the new one works:
//
//	creating     journal: old key ID and the user's key IDs; then CreateAccessKey
//	created      journal: new key ID
//	stored       the new key goes to a second, pending slot next to the old key ("<profile>#kagi-rotate-pending":
//	             a keyring item, or a section of the credentials file), read back and compared
//	verified     GetCallerIdentity with the new key, retried while AWS propagates it
//	swapped      the new key replaces the old one in the profile's slot; the pending slot is removed
//	deactivated  UpdateAccessKey old → Inactive
//	deleted      DeleteAccessKey old, only if confirmed; then the journal is removed
//
// The journal (Dirs.State/rotate-<hash>.json, 0600) records each step after it is done and holds key IDs and
// step names only. A later Rotate reads it first and finishes or rolls back: a crash before "stored" loses
// the new secret, so the new key (found by ID, or as the one key that is not in the journal's list) is
// deleted and the rotation starts again; a pending key that AWS never accepts is deleted with its slot;
// from "verified" on, the rotation is finished. Until "swapped" the profile's slot holds the old key, from
// then on the verified new one.
func (e *Engine) Rotate(ctx context.Context, opts RotateOptions) (*RotateResult, error) {
	if opts.IAM == nil {
		return nil, errors.New("internal error: Rotate needs an IAM client factory")
	}
	chain, err := e.Config.Chain(opts.Profile)
	if err != nil {
		return nil, err
	}
	source := chain[len(chain)-1].Name
	unlock, err := LockSource(ctx, e.Dirs.Locks, "rotate:"+source)
	if err != nil {
		return nil, fmt.Errorf("wait for another kagi rotating the key of profile %q: %w", source, err)
	}
	defer unlock()
	r := &rotation{e: e, opts: opts, profile: source, path: journalPath(e.Dirs, source), res: &RotateResult{Profile: source}}
	if err := r.signIn(ctx); err != nil {
		return nil, err
	}
	j, err := readJournal(r.path, source)
	if err != nil {
		return nil, err
	}
	if j != nil {
		r.j, r.res.Resumed = j, j.Step
		r.home = keyringHome{e.Store, source}
		if j.Store == homeCredentials && e.Creds != nil {
			r.home = credentialsHome{e.Creds.Path, source}
		}
		r.progress("Resuming the interrupted rotation of profile %s (last step: %s).", source, j.Step)
		if err := r.resume(ctx); err != nil {
			return r.res, err
		}
	}
	if r.j == nil { // no journal, or the interrupted rotation was rolled back: rotate now
		if r.home, err = e.keyHome(source); err != nil {
			return r.res, err
		}
		if err := r.start(ctx); err != nil {
			return r.res, err
		}
	}
	r.res.Store, r.res.OldID, r.res.NewID = r.home.String(), r.j.OldID, r.j.NewID
	return r.res, r.finish(ctx)
}

// NeedsCleanup: the user already has two access keys, the most IAM allows; one must go before a rotation.
type NeedsCleanup struct {
	Profile string
	Stored  string // the key kagi uses for Profile
	Keys    []awsx.AccessKey
}

func (n *NeedsCleanup) Error() string {
	var parts []string
	hint := ""
	for _, k := range n.Keys {
		if k.ID == n.Stored {
			parts = append(parts, MaskKeyID(k.ID)+" (kagi's key for "+n.Profile+")")
			continue
		}
		parts = append(parts, MaskKeyID(k.ID)+" ("+strings.ToLower(k.Status)+")")
		if hint == "" {
			hint = "delete " + MaskKeyID(k.ID) + " with 'kagi keys delete " + k.ID + "'"
			if !k.Active() {
				hint += " (or rotate with --delete-inactive)"
			}
		}
	}
	return fmt.Sprintf("your IAM user already has %d access keys, the most AWS allows: %s; %s, then rotate again",
		len(n.Keys), strings.Join(parts, " and "), hint)
}

type rotation struct {
	e       *Engine
	opts    RotateOptions
	profile string
	path    string
	home    keyHome
	iam     awsx.AccessKeysAPI
	j       *rotateJournal
	newKey  LongTermKey // the new key's secret, known from creation (or from the pending slot)
	res     *RotateResult
}

func (r *rotation) progress(format string, args ...any) {
	if r.opts.Progress != nil {
		r.opts.Progress(fmt.Sprintf(format, args...))
	}
}

// signIn (re)builds the IAM client from the profile's self-service credentials: after the swap, a profile
// without MFA signs with its new key.
func (r *rotation) signIn(ctx context.Context) error {
	ss, err := r.e.SelfService(ctx, r.profile)
	if err != nil {
		return err
	}
	r.iam = r.opts.IAM(ss.Creds)
	return nil
}

// mark runs the hook of step, records step in the journal (or removes it after the last), and runs the hook of
// step+"/saved".
func (r *rotation) mark(step string) error {
	if err := r.hook(step); err != nil {
		return err
	}
	if step == stepDeleted {
		return removeJournal(r.path)
	}
	if err := r.j.save(r.path, step, r.e.now()); err != nil {
		return err
	}
	return r.hook(step + "/saved")
}

func (r *rotation) hook(point string) error {
	if r.opts.Hook == nil {
		return nil
	}
	if err := r.opts.Hook(point); err != nil {
		return fmt.Errorf("the rotation of profile %s stopped after step %s; run 'kagi keys rotate' again to finish it: %w", r.profile, point, err)
	}
	return nil
}

// start checks the key limit and creates and stores the new key (steps creating to stored).
func (r *rotation) start(ctx context.Context) error {
	old, err := r.home.primary()
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("profile %s has no access key in the keyring or the credentials file; add one with 'kagi add %s'", r.profile, r.profile)
	}
	if err != nil {
		return err
	}
	keys, err := awsx.ListKeys(ctx, r.iam, "")
	if err != nil {
		return err
	}
	var ids []string
	found := false
	for _, k := range keys {
		ids = append(ids, k.ID)
		found = found || k.ID == old.AccessKeyID
	}
	if !found {
		return fmt.Errorf("the stored access key %s of profile %s is not one of your IAM user's keys; store a current key with 'kagi add %s --replace'", MaskKeyID(old.AccessKeyID), r.profile, r.profile)
	}
	if len(keys) >= 2 {
		if err := r.deleteOther(ctx, keys, old.AccessKeyID); err != nil {
			return err
		}
		ids = []string{old.AccessKeyID}
	}
	if err := r.home.dropPending(); err != nil { // left by a rotation whose journal is gone
		return err
	}
	r.j = &rotateJournal{Version: 1, Profile: r.profile, Store: r.home.kind(), OldID: old.AccessKeyID, Before: ids, Started: r.e.now()}
	if err := r.mark(stepCreating); err != nil {
		return err
	}
	created, err := awsx.CreateKey(ctx, r.iam, "")
	if err != nil {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) { // AWS answered: no key was created
			_ = removeJournal(r.path)
		}
		return err
	}
	r.newKey, r.j.NewID = LongTermKey{AccessKeyID: created.ID, SecretAccessKey: created.Secret}, created.ID
	if err := r.mark(stepCreated); err != nil {
		return err
	}
	if err := r.home.putPending(r.newKey); err != nil {
		return r.rollback(ctx, "it could not be stored ("+strings.TrimSuffix(err.Error(), ".")+")", err)
	}
	return r.mark(stepStored)
}

// deleteOther deletes the inactive second key(s) when DeleteOther is set, else reports NeedsCleanup.
func (r *rotation) deleteOther(ctx context.Context, keys []awsx.AccessKey, stored string) error {
	for _, k := range keys {
		if k.ID != stored && (k.Active() || !r.opts.DeleteOther) {
			return &NeedsCleanup{Profile: r.profile, Stored: stored, Keys: keys}
		}
	}
	for _, k := range keys {
		if k.ID != stored {
			if err := awsx.DeleteKey(ctx, r.iam, "", k.ID); err != nil && awsx.Classify(err) != awsx.ClassNoSuchEntity {
				return err
			}
			r.res.DeletedOther = k.ID
		}
	}
	return nil
}

// finish runs the steps after stored: verify, swap, deactivate, delete.
func (r *rotation) finish(ctx context.Context) error {
	for {
		switch r.j.Step {
		case stepStored:
			r.progress("Waiting for AWS to accept the new access key %s.", MaskKeyID(r.newKey.AccessKeyID))
			w := r.opts.Wait
			if w.Now == nil {
				w.Now = r.e.now
			}
			if _, err := w.Wait(ctx, r.e.STS(staticProvider(r.newKey.AccessKeyID, r.newKey.SecretAccessKey, ""))); err != nil {
				if awsx.Classify(err) == awsx.ClassInvalidClientToken {
					return r.rollback(ctx, "AWS did not accept it in time", err)
				}
				return err
			}
			if err := r.mark(stepVerified); err != nil {
				return err
			}
		case stepVerified:
			old, _ := r.home.primary()
			if err := r.home.promote(r.newKey, old); err != nil {
				return err
			}
			if r.home.kind() == homeCredentials && r.e.Creds != nil {
				if c, err := LoadCredentials(r.e.Creds.Path); err == nil {
					r.e.Creds = c
				}
			}
			if err := r.signIn(ctx); err != nil {
				return err
			}
			if err := r.mark(stepSwapped); err != nil {
				return err
			}
		case stepSwapped:
			if err := awsx.SetKeyStatus(ctx, r.iam, "", r.j.OldID, false); err != nil && awsx.Classify(err) != awsx.ClassNoSuchEntity {
				return err
			}
			if err := r.mark(stepDeactivated); err != nil {
				return err
			}
		case stepDeactivated:
			return r.deleteOld(ctx)
		default:
			return fmt.Errorf("internal error: rotation at unknown step %q", r.j.Step)
		}
	}
}

func (r *rotation) deleteOld(ctx context.Context) error {
	ok := r.opts.Delete
	if !ok && r.opts.Confirm != nil {
		var err error
		if ok, err = r.opts.Confirm(ctx, r.j.OldID); err != nil {
			return err
		}
	}
	if r.home.kind() == homeKeyring && r.e.Creds != nil {
		if k, plain := r.e.Creds.Key(r.profile); plain && k.AccessKeyID == r.j.OldID {
			r.res.Notes = append(r.res.Notes, fmt.Sprintf("%s still holds the old key of profile %s in plaintext; delete it from [%s] there", r.e.Creds.Path, r.profile, r.profile))
		}
	}
	if !ok {
		r.res.Notes = append(r.res.Notes, fmt.Sprintf("the old key %s is inactive, not deleted; once nothing needs it, delete it with 'kagi keys delete %s'", MaskKeyID(r.j.OldID), r.j.OldID))
		return removeJournal(r.path)
	}
	if err := awsx.DeleteKey(ctx, r.iam, "", r.j.OldID); err != nil && awsx.Classify(err) != awsx.ClassNoSuchEntity {
		return err
	}
	r.res.OldDeleted = true
	return r.mark(stepDeleted)
}

// rollback deletes the new key, which was never verified (and so never became the profile's key), with its
// pending slot and the journal; the old key stays as it was.
func (r *rotation) rollback(ctx context.Context, why string, cause error) error {
	r.e.Log.Printf("rotate %s: rolling back %s: %v", r.profile, r.j.NewID, cause)
	if r.j.NewID != "" {
		if err := awsx.DeleteKey(ctx, r.iam, "", r.j.NewID); err != nil && awsx.Classify(err) != awsx.ClassNoSuchEntity {
			return fmt.Errorf("the new access key %s of profile %s is unusable (%s) and could not be deleted; run 'kagi keys rotate' again: %w", MaskKeyID(r.j.NewID), r.profile, why, err)
		}
	}
	if err := r.home.dropPending(); err != nil {
		return err
	}
	if err := removeJournal(r.path); err != nil {
		return err
	}
	r.res.RolledBack = r.j.NewID
	return fmt.Errorf("kagi deleted the new access key %s because %s, and kept %s as profile %s's key; try 'kagi keys rotate' again later",
		MaskKeyID(r.j.NewID), why, MaskKeyID(r.j.OldID), r.profile)
}

// resume continues the journal's rotation, or rolls it back when the new key's secret was lost (a crash before
// it was stored) or it is inconsistent; r.j is nil afterwards if it was rolled back.
func (r *rotation) resume(ctx context.Context) error {
	j := r.j
	primary, err := r.home.primary()
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if id := primary.AccessKeyID; id != j.OldID && (j.NewID == "" || id != j.NewID) {
		return fmt.Errorf("the key of profile %s changed while its rotation was interrupted (it is neither %s nor the new key); check 'kagi keys list', then delete %s",
			r.profile, MaskKeyID(j.OldID), r.path)
	}
	pending, ok, err := r.home.pending()
	if err != nil {
		return err
	}
	if ok && pending.AccessKeyID == j.NewID {
		r.newKey = pending
	} else if j.NewID != "" && primary.AccessKeyID == j.NewID {
		r.newKey = primary // swapped already
	}
	swapped := j.Step == stepSwapped || j.Step == stepDeactivated
	switch {
	case swapped && primary.AccessKeyID != j.NewID:
		return fmt.Errorf("the rotation journal %s says profile %s has its new key, but it holds %s; check 'kagi keys list', then delete the journal", r.path, r.profile, MaskKeyID(primary.AccessKeyID))
	case r.newKey.AccessKeyID != "":
		if j.Step == stepCreating || j.Step == stepCreated {
			return r.j.save(r.path, stepStored, r.e.now())
		}
		return nil
	}
	// The new secret is gone: delete the key it belonged to, which never became the profile's key.
	orphans := []string{j.NewID}
	if j.NewID == "" { // the crash came between CreateAccessKey and the journal: find the key by elimination
		if orphans, err = r.unknownKeys(ctx, primary.AccessKeyID); err != nil {
			return err
		}
	}
	for _, id := range slices.DeleteFunc(orphans, func(id string) bool { return id == "" }) {
		if err := awsx.DeleteKey(ctx, r.iam, "", id); err != nil && awsx.Classify(err) != awsx.ClassNoSuchEntity {
			return fmt.Errorf("cannot delete the unusable new key %s of the interrupted rotation: %w", MaskKeyID(id), err)
		}
		r.res.RolledBack = id
		r.progress("Deleted the new key %s of the interrupted rotation: its secret was never stored.", MaskKeyID(id))
	}
	if err := r.home.dropPending(); err != nil {
		return err
	}
	r.j = nil
	return removeJournal(r.path)
}

// unknownKeys are the user's keys that the journal did not list and that were created after it was started
// (with 5 minutes' leeway for clock skew): what the interrupted CreateAccessKey made.
func (r *rotation) unknownKeys(ctx context.Context, primary string) ([]string, error) {
	keys, err := awsx.ListKeys(ctx, r.iam, "")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range keys {
		if k.ID != primary && !slices.Contains(r.j.Before, k.ID) && !k.Created.Before(r.j.Started.Add(-5*time.Minute)) {
			out = append(out, k.ID)
		}
	}
	return out, nil
}
