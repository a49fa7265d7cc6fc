package localaws

import (
	"fmt"
	"time"

	"github.com/kagi-cli/kagi/awsx/localaws/policy"
)

// The administrator API: how tests and scenarios shape the account. These calls are not AWS actions and
// need no credentials; they exist only in-process.

// PasswordPolicy is the account password policy as SetPasswordPolicy takes it.
type PasswordPolicy = passwordPolicy

// SetPasswordPolicy sets the account password policy; nil removes it (GetAccountPasswordPolicy then answers NoSuchEntity).
func (s *Server) SetPasswordPolicy(p *PasswordPolicy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p == nil {
		s.st.passwordPolicy = nil
		return
	}
	copied := *p
	s.st.passwordPolicy = &copied
}

func parsePolicies(docs [][]byte) ([]*policy.Document, error) {
	out := make([]*policy.Document, 0, len(docs))
	for i, d := range docs {
		p, err := policy.Parse(d)
		if err != nil {
			return nil, fmt.Errorf("policy %d: %w", i, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// CreateGroup creates a group with the given identity policies (JSON documents).
func (s *Server) CreateGroup(name string, policies ...[]byte) error {
	docs, err := parsePolicies(policies)
	if err != nil {
		return fmt.Errorf("group %s: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.groups[name] != nil {
		return fmt.Errorf("group %s exists", name)
	}
	s.st.groups[name] = &group{name: name, policies: docs}
	return nil
}

// CreateUser creates an IAM user with an optional console password, group memberships and inline policies.
func (s *Server) CreateUser(name, password string, groups []string, policies ...[]byte) error {
	docs, err := parsePolicies(policies)
	if err != nil {
		return fmt.Errorf("user %s: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.users[name] != nil {
		return fmt.Errorf("user %s exists", name)
	}
	for _, g := range groups {
		if s.st.groups[g] == nil {
			return fmt.Errorf("user %s: no group %s", name, g)
		}
	}
	u := &user{name: name, id: newID("AIDA"), path: "/", created: s.clock.Now(), groups: groups, policies: docs}
	if password != "" {
		u.passwordHash, u.passwordChanged = hashSecret(password), s.clock.Now()
	}
	s.st.users[name] = u
	return nil
}

// CreateRole creates a role with a trust policy, a maximum session duration and permission policies.
// It returns the role ARN.
func (s *Server) CreateRole(name string, trust []byte, maxSession time.Duration, policies ...[]byte) (string, error) {
	tdocs, err := parsePolicies([][]byte{trust})
	if err != nil {
		return "", fmt.Errorf("role %s trust: %w", name, err)
	}
	docs, err := parsePolicies(policies)
	if err != nil {
		return "", fmt.Errorf("role %s: %w", name, err)
	}
	if maxSession == 0 {
		maxSession = time.Hour
	}
	if maxSession < time.Hour || maxSession > 12*time.Hour {
		return "", fmt.Errorf("role %s: MaxSessionDuration must be between 1 and 12 hours", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.roles[name] != nil {
		return "", fmt.Errorf("role %s exists", name)
	}
	r := &role{name: name, id: newID("AROA"), path: "/", trust: tdocs[0], policies: docs, maxSessionDuration: maxSession, created: s.clock.Now()}
	s.st.roles[name] = r
	return s.st.roleARN(r), nil
}

// CreateAccessKeyFor creates an access key for a user, ready to use at once (it skips the propagation delay,
// which models AWS only for keys created through the API).
func (s *Server) CreateAccessKeyFor(userName string) (id, secret string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.users[userName]
	if u == nil {
		return "", "", fmt.Errorf("no user %s", userName)
	}
	if len(s.keysOf(u)) >= maxAccessKeysPerUser {
		return "", "", fmt.Errorf("user %s already has %d access keys", userName, maxAccessKeysPerUser)
	}
	k := s.addAccessKey(u)
	k.usableAt = k.created
	return k.id, k.secret, nil
}

// EnableVirtualMFAFor creates and assigns a virtual MFA device named after the user, as if the user had
// onboarded. It returns the serial and the base32 seed.
func (s *Server) EnableVirtualMFAFor(userName string) (serial, secret string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.users[userName]
	if u == nil {
		return "", "", fmt.Errorf("no user %s", userName)
	}
	serial = s.st.mfaARN("/", userName)
	if s.st.mfaDevices[serial] != nil {
		return "", "", fmt.Errorf("MFA device %s exists", serial)
	}
	secret = randomString("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 64)
	now := s.clock.Now()
	s.st.mfaDevices[serial] = &mfaDevice{serial: serial, name: userName, path: "/", secret: secret, userName: userName, created: now, enabled: now}
	return serial, secret, nil
}

// MFASecret returns the base32 seed of a virtual MFA device. It exists for the demo's virtual
// authenticator and for tests; AWS never reveals a seed after creation.
func (s *Server) MFASecret(serial string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.st.mfaDevices[serial]
	if d == nil {
		return "", false
	}
	return d.secret, true
}
