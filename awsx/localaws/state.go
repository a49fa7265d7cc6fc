package localaws

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"github.com/kagi-cli/kagi/awsx/localaws/policy"
)

// The account's state. Every field is guarded by Server.mu.
type state struct {
	accountID      string
	users          map[string]*user // by name
	groups         map[string]*group
	roles          map[string]*role
	accessKeys     map[string]*accessKey // by id, long-term keys only
	tempCreds      map[string]*tempCred  // by access key id
	mfaDevices     map[string]*mfaDevice // by serial (ARN)
	serviceCreds   map[string]*serviceCred
	passwordPolicy *passwordPolicy
	signinTokens   map[string]*signinToken
}

type user struct {
	name, id, path string
	created        time.Time
	// loginProfile: a console password. Only its hash and the hashes of previous
	// passwords (for reuse prevention) are kept.
	passwordHash     string
	passwordHistory  []string
	passwordChanged  time.Time
	passwordLastUsed time.Time
	failedPasswords  int
	groups           []string
	policies         []*policy.Document
}

type group struct {
	name     string
	policies []*policy.Document
}

type role struct {
	name, id, path     string
	trust              *policy.Document
	policies           []*policy.Document
	maxSessionDuration time.Duration
	created            time.Time
}

type accessKey struct {
	id, secret, userName string
	active               bool
	created              time.Time
	usableAt             time.Time // AWS takes a few seconds before a new key is accepted
	lastUsed             time.Time
	lastService          string
	lastRegion           string
}

// tempCred is a session from GetSessionToken (roleName empty) or AssumeRole.
type tempCred struct {
	id, secret, token string
	expires           time.Time
	userName          string // the IAM user behind a GetSessionToken session
	roleName          string
	sessionName       string
	mfa               bool
	mfaAuthTime       time.Time
	sourceKeyID       string
	chained           bool // assumed by a role session (role chaining)
}

type mfaDevice struct {
	serial, name, path string
	secret             string // base32 seed
	userName           string // assigned user; empty while unassigned
	enabled            time.Time
	created            time.Time
	lastStep           int64 // highest TOTP step accepted: codes at or below it are spent
	drift              int64 // steps the device is ahead of the endpoint, set by ResyncMFADevice
}

type serviceCred struct {
	id, userName, serviceName, serviceUserName string
	passwordHash                               string
	active                                     bool
	created                                    time.Time
}

type passwordPolicy struct {
	MinimumPasswordLength      int
	RequireSymbols             bool
	RequireNumbers             bool
	RequireUppercaseCharacters bool
	RequireLowercaseCharacters bool
	AllowUsersToChangePassword bool
	MaxPasswordAge             int
	PasswordReusePrevention    int
	HardExpiry                 bool
}

func newState(accountID string) *state {
	return &state{
		accountID:    accountID,
		users:        map[string]*user{},
		groups:       map[string]*group{},
		roles:        map[string]*role{},
		accessKeys:   map[string]*accessKey{},
		tempCreds:    map[string]*tempCred{},
		mfaDevices:   map[string]*mfaDevice{},
		serviceCreds: map[string]*serviceCred{},
		signinTokens: map[string]*signinToken{},
	}
}

func (s *state) userARN(u *user) string {
	return "arn:aws:iam::" + s.accountID + ":user" + u.path + u.name
}

func (s *state) roleARN(r *role) string {
	return "arn:aws:iam::" + s.accountID + ":role" + r.path + r.name
}

func (s *state) mfaARN(path, name string) string {
	return "arn:aws:iam::" + s.accountID + ":mfa" + path + name
}

func (s *state) assumedRoleARN(roleName, session string) string {
	return "arn:aws:sts::" + s.accountID + ":assumed-role/" + roleName + "/" + session
}

// roleByARN finds a role by its ARN in this account.
func (s *state) roleByARN(arn string) *role {
	prefix := "arn:aws:iam::" + s.accountID + ":role/"
	if !strings.HasPrefix(arn, prefix) {
		return nil
	}
	rest := arn[len(prefix):]
	name := rest[strings.LastIndex(rest, "/")+1:]
	r := s.roles[name]
	if r == nil || s.roleARN(r) != arn {
		return nil
	}
	return r
}

// identityPolicies returns every identity-based policy in force for a user.
func (s *state) userPolicies(u *user) []*policy.Document {
	docs := append([]*policy.Document(nil), u.policies...)
	for _, g := range u.groups {
		if grp := s.groups[g]; grp != nil {
			docs = append(docs, grp.policies...)
		}
	}
	return docs
}

// newID returns an AWS-style identifier: a 4-letter prefix and 16 base32 characters.
func newID(prefix string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	return prefix + randomString(alphabet, 16)
}

func randomString(alphabet string, n int) string {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		panic("crypto/rand: " + err.Error()) // the OS RNG failing is not recoverable
	}
	for i, b := range buf {
		buf[i] = alphabet[int(b)%len(alphabet)]
	}
	return string(buf)
}

// newSecret returns a 40-character secret access key like AWS's.
func newSecret() string {
	buf := make([]byte, 30)
	if _, err := rand.Read(buf); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(buf)
}

func newSessionToken() string {
	buf := make([]byte, 120)
	if _, err := rand.Read(buf); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return "IQoJb3JpZ2luX2VjE" + base64.StdEncoding.EncodeToString(buf)
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}
