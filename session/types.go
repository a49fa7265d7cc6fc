package session

import "errors"

// LongTermKey is an IAM user's access key pair.
type LongTermKey struct {
	AccessKeyID     string `json:"AccessKeyID"`
	SecretAccessKey string `json:"SecretAccessKey"`
}

// Valid reports whether both halves are present and plausible.
func (k LongTermKey) Valid() bool {
	return len(k.AccessKeyID) >= 16 && len(k.SecretAccessKey) >= 16
}

// ErrNotFound: the keyring has no such item.
var ErrNotFound = errors.New("not found in the keyring")
