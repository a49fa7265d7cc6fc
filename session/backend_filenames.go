package session

import (
	"errors"
	"os"
	"strings"

	"github.com/99designs/keyring"
)

// fileNameKeyring maps kagi's item names for the file backend, which names each item's file after the item
// and percent-encodes only '/' and '%' (99designs/keyring file.go). Item names hold ':', which Windows
// forbids in file names, and profile names hold anything — including a trailing dot, which Windows drops,
// and upper-case letters, so "Dev" and "dev" would share a file on a case-insensitive file system (Windows,
// macOS). Every byte but a-z, 0-9, '-' and '_' is therefore percent-encoded with upper-case hex: a valid
// file name everywhere, distinct under case folding, and reversible.
//
// Items an earlier kagi wrote under their plain names (possible only off Windows) stay readable: reads fall
// back to the plain name, a write moves the item to the new name, and a removal removes both.
type fileNameKeyring struct {
	kr     keyring.Keyring
	legacy bool // plain-named items may exist (not on Windows, where they could never be written)
}

const fileNameHex = "0123456789ABCDEF"

func fileNameSafe(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// encodeFileItem is the name the file backend gets for item name.
func encodeFileItem(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if c := name[i]; fileNameSafe(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(fileNameHex[c>>4])
			b.WriteByte(fileNameHex[c&15])
		}
	}
	return b.String()
}

// decodeFileItem reverses encodeFileItem; ok is false for a name it did not make (a plain legacy name).
func decodeFileItem(s string) (name string, ok bool) {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case fileNameSafe(c):
			b = append(b, c)
		case c == '%' && i+2 < len(s):
			hi, lo := strings.IndexByte(fileNameHex, s[i+1]), strings.IndexByte(fileNameHex, s[i+2])
			if hi < 0 || lo < 0 {
				return "", false
			}
			b = append(b, byte(hi<<4|lo))
			i += 2
		default:
			return "", false
		}
	}
	name = string(b)
	return name, encodeFileItem(name) == s // canonical only: one file per item
}

func (f *fileNameKeyring) Get(key string) (keyring.Item, error) {
	it, err := f.kr.Get(encodeFileItem(key))
	if f.legacy && errors.Is(err, keyring.ErrKeyNotFound) {
		it, err = f.kr.Get(key)
	}
	it.Key = key
	return it, err
}

func (f *fileNameKeyring) GetMetadata(key string) (keyring.Metadata, error) {
	md, err := f.kr.GetMetadata(encodeFileItem(key))
	if f.legacy && errors.Is(err, keyring.ErrKeyNotFound) {
		md, err = f.kr.GetMetadata(key)
	}
	return md, err
}

func (f *fileNameKeyring) Set(it keyring.Item) error {
	plain := it.Key
	it.Key = encodeFileItem(plain)
	if err := f.kr.Set(it); err != nil {
		return err
	}
	if f.legacy {
		_ = f.kr.Remove(plain) // best effort: reads prefer the new name anyway
	}
	return nil
}

// Remove removes the item under both names; it fails as the library does (a not-exist error) when there
// was neither.
func (f *fileNameKeyring) Remove(key string) error {
	err := f.kr.Remove(encodeFileItem(key))
	if !f.legacy {
		return err
	}
	plainErr := f.kr.Remove(key)
	switch {
	case err != nil && !os.IsNotExist(err):
		return err
	case plainErr != nil && !os.IsNotExist(plainErr):
		return plainErr
	case err == nil || plainErr == nil:
		return nil
	}
	return err
}

func (f *fileNameKeyring) Keys() ([]string, error) {
	names, err := f.kr.Keys()
	for i, n := range names {
		if plain, ok := decodeFileItem(n); ok {
			names[i] = plain
		}
	}
	return names, err
}
