package awsx_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kagi-cli/kagi/awsx"
)

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mapEnv(m map[string]string) awsx.Env { return func(k string) string { return m[k] } }

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	cfgFile := writeFile(t, dir, "config", `
[default]
region = eu-west-1

[profile dev]
region = ap-northeast-1
endpoint_url = http://127.0.0.1:9999

[profile inline]
aws_access_key_id = AKIAINLINE000000000
aws_secret_access_key = inline-secret
`)
	credFile := writeFile(t, dir, "credentials", `
[default]
aws_access_key_id = AKIADEFAULT00000000
aws_secret_access_key = default-secret

[dev]
aws_access_key_id = AKIADEV000000000000
aws_secret_access_key = dev-secret
aws_session_token = dev-token
`)
	base := map[string]string{"AWS_CONFIG_FILE": cfgFile, "AWS_SHARED_CREDENTIALS_FILE": credFile, "HOME": dir}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name                    string
		settings                awsx.Settings
		env                     map[string]string
		wantProfile, wantRegion string
		wantIAM, wantSTS        string
		wantKey, wantSource     string
	}{
		{name: "default profile from files", env: base, wantProfile: "default", wantRegion: "eu-west-1", wantKey: "AKIADEFAULT00000000", wantSource: credFile},
		{name: "AWS_PROFILE selects profile, its region and endpoint_url", env: with(map[string]string{"AWS_PROFILE": "dev"}),
			wantProfile: "dev", wantRegion: "ap-northeast-1", wantIAM: "http://127.0.0.1:9999", wantSTS: "http://127.0.0.1:9999", wantKey: "AKIADEV000000000000", wantSource: credFile},
		{name: "flags win over everything", settings: awsx.Settings{Profile: "dev", Region: "us-west-2", EndpointURL: "http://flag"},
			env:         with(map[string]string{"AWS_REGION": "sa-east-1", "AWS_ENDPOINT_URL": "http://env", "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "x"}),
			wantProfile: "dev", wantRegion: "us-west-2", wantIAM: "http://flag", wantSTS: "http://flag", wantKey: "AKIADEV000000000000", wantSource: credFile},
		{name: "environment keys win without --profile", env: with(map[string]string{"AWS_PROFILE": "dev", "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "x"}),
			wantProfile: "dev", wantRegion: "ap-northeast-1", wantIAM: "http://127.0.0.1:9999", wantSTS: "http://127.0.0.1:9999", wantKey: "AKIAENV", wantSource: "environment"},
		{name: "service-specific endpoint variables win over the generic one",
			env:         with(map[string]string{"AWS_ENDPOINT_URL": "http://generic", "AWS_ENDPOINT_URL_STS": "http://sts-only"}),
			wantProfile: "default", wantRegion: "eu-west-1", wantIAM: "http://generic", wantSTS: "http://sts-only", wantKey: "AKIADEFAULT00000000", wantSource: credFile},
		{name: "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", env: with(map[string]string{"AWS_PROFILE": "dev", "AWS_ENDPOINT_URL": "http://env", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}),
			wantProfile: "dev", wantRegion: "ap-northeast-1", wantKey: "AKIADEV000000000000", wantSource: credFile},
		{name: "AWS_REGION over AWS_DEFAULT_REGION over profile", env: with(map[string]string{"AWS_REGION": "us-east-2", "AWS_DEFAULT_REGION": "us-west-1"}),
			wantProfile: "default", wantRegion: "us-east-2", wantKey: "AKIADEFAULT00000000", wantSource: credFile},
		{name: "keys in the config file's profile section", settings: awsx.Settings{Profile: "inline"}, env: base,
			wantProfile: "inline", wantRegion: awsx.DefaultRegion, wantKey: "AKIAINLINE000000000", wantSource: credFile},
		{name: "no files at all: default region, no credentials", env: map[string]string{"HOME": t.TempDir()}, wantProfile: "default", wantRegion: awsx.DefaultRegion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := awsx.Resolve(tt.settings, mapEnv(tt.env))
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if cfg.Profile != tt.wantProfile || cfg.Region != tt.wantRegion || cfg.IAMEndpoint != tt.wantIAM || cfg.STSEndpoint != tt.wantSTS {
				t.Errorf("got profile=%q region=%q iam=%q sts=%q; want %q %q %q %q", cfg.Profile, cfg.Region, cfg.IAMEndpoint, cfg.STSEndpoint,
					tt.wantProfile, tt.wantRegion, tt.wantIAM, tt.wantSTS)
			}
			if tt.wantKey == "" {
				if cfg.Credentials != nil {
					t.Errorf("want no credentials, got some from %s", cfg.CredentialSource)
				}
				if err := cfg.RequireCredentials(); err == nil || !strings.Contains(err.Error(), "no AWS credentials") {
					t.Errorf("RequireCredentials = %v", err)
				}
				return
			}
			creds, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if creds.AccessKeyID != tt.wantKey || cfg.CredentialSource != tt.wantSource {
				t.Errorf("credentials %s from %s; want %s from %s", creds.AccessKeyID, cfg.CredentialSource, tt.wantKey, tt.wantSource)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "config", "[profile broken\nregion = x\n")
	tests := []struct {
		name     string
		settings awsx.Settings
		env      map[string]string
		want     string
	}{
		{"malformed config names the file", awsx.Settings{}, map[string]string{"AWS_CONFIG_FILE": bad, "HOME": dir}, bad},
		{"unknown explicit profile", awsx.Settings{Profile: "nope"}, map[string]string{"HOME": t.TempDir()}, `profile "nope" is not in`},
		{"half the key pair in the environment", awsx.Settings{}, map[string]string{"HOME": dir, "AWS_ACCESS_KEY_ID": "AKIA"}, "AWS_SECRET_ACCESS_KEY is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := awsx.Resolve(tt.settings, mapEnv(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Resolve error = %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}
