package session

import (
	"sync"

	"github.com/99designs/keyring"
)

// syncKeyring serialises calls to a keyring: backends (and the in-memory one tests use) are not all safe
// for concurrent use, and the TUI loads panels in parallel.
type syncKeyring struct {
	mu sync.Mutex
	kr keyring.Keyring
}

func (s *syncKeyring) Get(key string) (keyring.Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kr.Get(key)
}

func (s *syncKeyring) GetMetadata(key string) (keyring.Metadata, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kr.GetMetadata(key)
}

func (s *syncKeyring) Set(item keyring.Item) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kr.Set(item)
}

func (s *syncKeyring) Remove(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kr.Remove(key)
}

func (s *syncKeyring) Keys() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kr.Keys()
}
