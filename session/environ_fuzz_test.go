package session_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/session/warm"
)

// staleCredentialVars are the variables through which the AWS CLI and SDKs (aws-sdk-go-v2/config's
// env_config.go and resolve_credentials.go, botocore's EnvProvider) take credentials or pick a profile.
// `kagi exec` documents that every one of them is removed unless kagi sets it.
var staleCredentialVars = []string{
	"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN",
	"AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
}

// FuzzEnviron: the environment `kagi exec` gives its command, built from any parent environment (duplicates,
// entries without '=', Windows' "=C:=C:\" entries, stale credentials) and any session values:
//   - every variable kagi sets (session.SessionVars) is there exactly once, with its value unchanged;
//   - no stale credential or profile variable is left, unless kagi set it;
//   - every other variable is there exactly once, with the value the parent itself sees (the first
//     occurrence, as getenv reads it), and nothing else is there;
//   - the entries are sorted by name.
func FuzzEnviron(f *testing.F) {
	f.Add("PATH=/usr/bin\nHOME=/home/a\nAWS_CONFIG_FILE=/x", uint32(0xffff), "stale", "admin", "us-east-1", "ASIAEXAMPLE", "secret", "token", int64(1900000000))
	f.Add("AWS_REGION=eu-west-1\nAWS_REGION=eu-west-2\nB=2\nA=1\nB=1\nNOEQUALS\n=C:=C:\\x\n=D:=D:\\y\n", uint32(1<<7), "", "p", "", "A", "S", "", int64(0))
	f.Add("KAGI_PROFILE=outer\nAWS_DEFAULT_REGION=x\naws_profile=lower\nAWS_PROFILE_X=keep\n", uint32(0x5555), "a=b\nc", "p\x00q", "r'\"$`", "", "", "", int64(-5))
	f.Fuzz(func(t *testing.T, baseText string, staleMask uint32, staleValue, profile, region, id, secret, token string, secs int64) {
		base := strings.Split(baseText, "\n")
		for i, name := range staleCredentialVars {
			if staleMask&(1<<i) != 0 {
				base = append(base, name+"="+staleValue)
			}
		}
		e := warm.Entry{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token, Expires: time.Unix(secs, 0)}
		vars := session.SessionVars(profile, region, e)
		env := session.Environ(base, vars)

		if !slices.IsSortedFunc(env, func(a, b string) int { return strings.Compare(envName(a), envName(b)) }) {
			t.Errorf("not sorted by name: %q", env)
		}
		got := map[string]string{}
		for _, kv := range env {
			name := envName(kv)
			if _, dup := got[name]; dup {
				t.Fatalf("%q is in the environment twice: %q", name, env)
			}
			got[name] = strings.TrimPrefix(kv[len(name):], "=")
		}
		want := map[string]string{}
		for _, kv := range base {
			name := envName(kv)
			if _, seen := want[name]; !seen && !slices.Contains(staleCredentialVars, name) {
				want[name] = strings.TrimPrefix(kv[len(name):], "=") // the first occurrence: what getenv returns
			}
		}
		for k, v := range vars {
			want[k] = v
		}
		for name, v := range want {
			if g, ok := got[name]; !ok || g != v {
				t.Errorf("%q = %q (present: %v), want %q", name, g, ok, v)
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				t.Errorf("%q is in the environment but should not be: %q", name, env)
			}
		}
	})
}

// envName is an entry's variable name: up to the first '=', which on Windows may not be the leading one
// ("=C:=C:\dir" names "=C:"); an entry without '=' is all name.
func envName(kv string) string {
	if i := strings.IndexByte(kv[min(1, len(kv)):], '='); i >= 0 {
		return kv[:i+min(1, len(kv))]
	}
	return kv
}
