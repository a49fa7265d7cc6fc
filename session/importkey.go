package session

import (
	"errors"
	"fmt"
	"strings"
)

// CheckLongTermKey checks that k looks like an IAM user's long-term access key. Its messages never repeat
// what was entered: a secret pasted into the wrong field must not end up on the screen or in a log.
func CheckLongTermKey(k LongTermKey) error {
	id, secret := k.AccessKeyID, k.SecretAccessKey
	switch {
	case id == "":
		return errors.New("the access key ID is empty; enter the ID, which starts with AKIA")
	case strings.HasPrefix(id, "ASIA"):
		return errors.New("that is a temporary key (its ID starts with ASIA); add a long-term key, whose ID starts with AKIA")
	case len(id) < 16 || len(id) > 128 || strings.Trim(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "":
		return errors.New("the access key ID is not one: it is 16 to 128 capital letters and digits, starting with AKIA; check what you entered")
	case !strings.HasPrefix(id, "AKIA"):
		return errors.New("the access key ID does not start with AKIA, so it is not an IAM user's long-term key; add a long-term key")
	case secret == "":
		return errors.New("the secret access key is empty; enter the secret that belongs to the access key ID")
	case (strings.HasPrefix(secret, "AKIA") || strings.HasPrefix(secret, "ASIA")) && len(secret) == 20:
		return errors.New("the secret access key looks like an access key ID; enter the secret (40 characters)")
	case len(secret) < 16 || len(secret) > 128 || strings.ContainsFunc(secret, func(r rune) bool { return r <= ' ' || r >= 0x7f }):
		return fmt.Errorf("the secret access key is not one (%d characters; AWS's have 40 letters, digits, + and /); enter the whole secret", len(secret))
	}
	return nil
}

// MaskKeyID shows an access key ID as AKIA…WXYZ: enough to recognise it, not to use it.
func MaskKeyID(id string) string {
	if len(id) < 12 {
		return "…"
	}
	return id[:4] + "…" + id[len(id)-4:]
}

// HasKey reports whether the store holds a long-term key for profile, from item names alone.
func (s *Store) HasKey(profile string) (bool, error) {
	names, err := s.KeyProfiles()
	if err != nil {
		return false, err
	}
	for _, n := range names {
		if n == profile {
			return true, nil
		}
	}
	return false, nil
}

// PutKeyVerified stores profile's long-term key and reads it back: only a key that reads back unchanged
// counts as stored.
func (s *Store) PutKeyVerified(profile string, k LongTermKey) error {
	if err := s.PutKey(profile, k); err != nil {
		return err
	}
	got, err := s.Key(profile)
	if err != nil {
		return fmt.Errorf("the %s keyring did not keep the access key of profile %q (%v); check the keyring and try again", s.backend, profile, err)
	}
	if got != k {
		return fmt.Errorf("the %s keyring returned a different access key for profile %q than kagi stored; check the keyring and try again", s.backend, profile)
	}
	return nil
}

// ImportOptions are ImportKey's choices.
type ImportOptions struct {
	Replace  bool // overwrite a different key the store holds for the profile
	Volatile bool // move the key even into a volatile keyring (Store.Volatile)
}

// ImportResult says what ImportKey did.
type ImportResult struct {
	AccessKeyID   string
	From          string // the credentials file
	AlreadyStored bool   // the keyring held the same key already
	Replaced      bool   // the keyring held a different key, which was overwritten (replace)
}

// ImportKey moves profile's long-term key from the credentials file at path into the store: it stores the
// key and reads it back, and only then deletes it from the file (RemoveCredentialsKeys: atomically, every
// other line unchanged, no plaintext backup). If the store
// already holds a different key for profile, ImportKey refuses unless opts.Replace is set; into a volatile
// keyring (Store.Volatile) it moves a key only with opts.Volatile. On any error before the file is
// rewritten, the file is unchanged.
func ImportKey(store *Store, path, profile string, opts ImportOptions) (ImportResult, error) {
	replace := opts.Replace
	res := ImportResult{From: path}
	creds, err := LoadCredentials(path)
	if err != nil {
		return res, err
	}
	k, ok := creds.Key(profile)
	if !ok {
		sec, found := creds.sections[profile]
		switch {
		case !found:
			return res, fmt.Errorf("profile %s is not in %s, so there is nothing to import; add its key with 'kagi add %s'", quote(profile), path, profile)
		case sec["aws_session_token"] != "":
			return res, fmt.Errorf("profile %s in %s holds temporary credentials (aws_session_token), not a long-term key; import only long-term keys", quote(profile), path)
		}
		return res, fmt.Errorf("profile %s in %s has no complete access key (aws_access_key_id and aws_secret_access_key); add its key with 'kagi add %s'", quote(profile), path, profile)
	}
	if err := CheckLongTermKey(k); err != nil {
		return res, fmt.Errorf("%s, profile %s: %w", path, quote(profile), err)
	}
	res.AccessKeyID = k.AccessKeyID
	if store.Volatile() && !opts.Volatile {
		return res, fmt.Errorf("not moving the key of profile %s out of %s: %s; pass --volatile to move it anyway", quote(profile), path, VolatileNote)
	}
	old, err := store.Key(profile)
	switch {
	case err == nil && old == k:
		res.AlreadyStored = true
	case err == nil && !replace:
		return res, fmt.Errorf("the keyring already holds a different access key (%s) for profile %q; pass --replace to overwrite it with %s from %s", MaskKeyID(old.AccessKeyID), profile, MaskKeyID(k.AccessKeyID), path)
	case err == nil:
		res.Replaced = true
	case !errors.Is(err, ErrNotFound):
		if has, herr := store.HasKey(profile); herr != nil || !has || !replace {
			return res, err // an unreadable stored key is overwritten only with --replace
		}
		res.Replaced = true
	}
	if !res.AlreadyStored {
		if err := store.PutKeyVerified(profile, k); err != nil {
			return res, err
		}
	}
	if err := RemoveCredentialsKeys(path, profile); err != nil {
		return res, fmt.Errorf("the access key of profile %q is in the keyring now, but it is still in %s: %v", profile, path, err)
	}
	return res, nil
}
