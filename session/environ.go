package session

import (
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/kagi-cli/kagi/session/warm"
)

// credentialVars are the environment variables that select or carry AWS credentials. Environ removes them
// all before setting kagi's, so a profile or stale key in the parent environment cannot win over the session.
var credentialVars = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
	"AWS_ACCESS_KEY", "AWS_SECRET_KEY", // the Go SDKs' older names, read when the new ones are unset
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CREDENTIAL_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
	"AWS_ROLE_SESSION_NAME", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
}

// SessionVars are the variables a command run with the session gets.
func SessionVars(profile, region string, e warm.Entry) map[string]string {
	vars := map[string]string{
		"AWS_ACCESS_KEY_ID":         e.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":     e.SecretAccessKey,
		"AWS_CREDENTIAL_EXPIRATION": e.Expires.UTC().Format(time.RFC3339),
		"KAGI_PROFILE":              profile,
	}
	if e.SessionToken != "" {
		vars["AWS_SESSION_TOKEN"] = e.SessionToken
	}
	if region != "" {
		vars["AWS_REGION"] = region
		vars["AWS_DEFAULT_REGION"] = region
	}
	return vars
}

// Environ returns base (KEY=VALUE entries) without any credential variable, plus vars, sorted by name. A
// name that base repeats is kept once, with its first value: the one getenv returned to kagi itself.
func Environ(base []string, vars map[string]string) []string {
	return environ(base, vars, runtime.GOOS == "windows")
}

// environ is Environ; with fold, names compare case-insensitively, as Windows compares them (there,
// "aws_profile" and "Path" are AWS_PROFILE and PATH).
func environ(base []string, vars map[string]string, fold bool) []string {
	key := func(name string) string {
		if fold {
			return strings.ToUpper(name)
		}
		return name
	}
	drop := map[string]bool{}
	for _, k := range credentialVars {
		drop[key(k)] = true
	}
	for k := range vars {
		drop[key(k)] = true
	}
	out := make([]string, 0, len(base)+len(vars))
	for _, kv := range base {
		k := key(envName(kv))
		if !drop[k] {
			out = append(out, kv)
			drop[k] = true
		}
	}
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	sort.Slice(out, func(i, j int) bool { return envName(out[i]) < envName(out[j]) })
	return out
}

// envName is an entry's variable name: up to the first '=' after the first byte (Windows keeps one
// variable per drive, named "=C:", in entries like "=C:=C:\dir"); an entry without '=' is all name.
func envName(kv string) string {
	if i := strings.IndexByte(kv[min(1, len(kv)):], '='); i >= 0 {
		return kv[:i+min(1, len(kv))]
	}
	return kv
}

// Region is the region for a profile: its own, else the nearest in its chain, else fallback.
func (c *Config) Region(profile, fallback string) string {
	chain, err := c.Chain(profile)
	if err != nil {
		return fallback
	}
	for _, p := range chain {
		if p.Region != "" {
			return p.Region
		}
	}
	return fallback
}
