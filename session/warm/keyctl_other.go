//go:build !linux

package warm

// keyctlLookup: the kernel keyring exists only on Linux; elsewhere the warm path always defers to kagi.
func keyctlLookup(kind, profile string) (name string, data []byte, ok bool) { return "", nil, false }
