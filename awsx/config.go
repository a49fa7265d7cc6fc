package awsx

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"gopkg.in/ini.v1"
)

// DefaultRegion is used when no flag, environment variable or profile names one. IAM is a global service
// and kagi's STS calls work in any enabled region, so a fixed default beats an error.
const DefaultRegion = "us-east-1"

// Settings are the user's explicit choices, from global flags. Empty fields fall back to the environment
// and the shared config files.
type Settings struct {
	Profile     string
	Region      string
	EndpointURL string
}

// Config says where and as whom kagi talks to AWS. It is the only input to the client constructors.
type Config struct {
	Profile     string
	Region      string
	IAMEndpoint string // empty: the SDK's default endpoint
	STSEndpoint string
	Credentials aws.CredentialsProvider
	// CredentialSource says where the credentials came from, for messages ("environment", "~/.aws/credentials").
	CredentialSource string
	Debug            *DebugLog // nil: no debug log
	RetryMaxAttempts int       // 0: the SDK default
}

// Env looks up an environment variable; os.Getenv in production, a map in tests.
type Env func(string) string

// Resolve builds a Config from flags, the environment and the shared files, in the order the AWS CLI uses:
// flag, then AWS_* variables, then the profile in AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE.
//
// It reads the files with ini.v1 instead of aws-sdk-go-v2/config: that package links the SSO and sign-in
// clients, whose init tables cost every kagi process (credential_process runs for each AWS CLI call).
func Resolve(s Settings, env Env) (Config, error) {
	profile := firstNonEmpty(s.Profile, env("AWS_PROFILE"), env("AWS_DEFAULT_PROFILE"), "default")
	files, err := loadSharedFiles(env)
	if err != nil {
		return Config{}, err
	}
	cfgSection := files.configSection(profile)
	cfg := Config{
		Profile: profile,
		Region:  firstNonEmpty(s.Region, env("AWS_REGION"), env("AWS_DEFAULT_REGION"), cfgSection["region"], DefaultRegion),
	}
	ignoreConfigured := strings.EqualFold(env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true")
	profileEndpoint := cfgSection["endpoint_url"]
	if ignoreConfigured {
		profileEndpoint = ""
	}
	endpoint := func(service string) string {
		if s.EndpointURL != "" {
			return s.EndpointURL
		}
		if ignoreConfigured {
			return ""
		}
		return firstNonEmpty(env("AWS_ENDPOINT_URL_"+service), env("AWS_ENDPOINT_URL"), profileEndpoint)
	}
	cfg.IAMEndpoint, cfg.STSEndpoint = endpoint("IAM"), endpoint("STS")

	// The standard chain: an explicit --profile wins over environment keys, as in the AWS CLI.
	if s.Profile == "" && env("AWS_ACCESS_KEY_ID") != "" {
		if env("AWS_SECRET_ACCESS_KEY") == "" {
			return Config{}, errors.New("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both or unset both")
		}
		cfg.Credentials = credentials.NewStaticCredentialsProvider(env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN"))
		cfg.CredentialSource = "environment"
		return cfg, nil
	}
	creds := files.credentialsSection(profile)
	if creds["aws_access_key_id"] == "" || creds["aws_secret_access_key"] == "" {
		// Static keys may also sit in the config file's profile section.
		creds = cfgSection
	}
	if creds["aws_access_key_id"] != "" && creds["aws_secret_access_key"] != "" {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(creds["aws_access_key_id"], creds["aws_secret_access_key"], creds["aws_session_token"])
		cfg.CredentialSource = files.credentialsPath
		return cfg, nil
	}
	if s.Profile != "" && cfgSection == nil && creds == nil {
		return Config{}, fmt.Errorf("profile %q is not in %s or %s; check the name or add it", profile, files.configPath, files.credentialsPath)
	}
	// No credentials is not an error here: commands that need none (version, demo) still work, and
	// those that call AWS report it through Config.RequireCredentials.
	return cfg, nil
}

// RequireCredentials returns an actionable error when the Config has no credentials.
func (c Config) RequireCredentials() error {
	if c.Credentials != nil {
		return nil
	}
	return fmt.Errorf("no AWS credentials found for profile %q; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add the profile's keys to ~/.aws/credentials", c.Profile)
}

// sharedFiles holds the parsed ~/.aws/config and ~/.aws/credentials.
type sharedFiles struct {
	configPath, credentialsPath string
	config, credentials         *ini.File
}

func loadSharedFiles(env Env) (*sharedFiles, error) {
	home := env("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	f := &sharedFiles{
		configPath:      firstNonEmpty(env("AWS_CONFIG_FILE"), filepath.Join(home, ".aws", "config")),
		credentialsPath: firstNonEmpty(env("AWS_SHARED_CREDENTIALS_FILE"), filepath.Join(home, ".aws", "credentials")),
	}
	var err error
	if f.config, err = loadINI(f.configPath); err != nil {
		return nil, err
	}
	if f.credentials, err = loadINI(f.credentialsPath); err != nil {
		return nil, err
	}
	return f, nil
}

// loadINI parses an AWS shared file; a missing file is an empty one.
func loadINI(path string) (*ini.File, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	f, err := ini.LoadSources(ini.LoadOptions{AllowNestedValues: true, SpaceBeforeInlineComment: true}, data)
	if err != nil {
		// ini's messages end with the offending line and a newline; keep the error on one line.
		msg, _, _ := strings.Cut(strings.TrimSpace(err.Error()), "\n")
		return nil, fmt.Errorf("%s is not a valid AWS config file: %s", path, msg)
	}
	return f, nil
}

// configSection returns the keys of "[profile NAME]" (or "[default]") in the config file; nil if absent.
func (f *sharedFiles) configSection(profile string) map[string]string {
	if f.config == nil {
		return nil
	}
	names := []string{"profile " + profile}
	if profile == "default" {
		names = append(names, "default")
	}
	for _, name := range names {
		if sec, err := f.config.GetSection(name); err == nil {
			return sec.KeysHash()
		}
	}
	return nil
}

// credentialsSection returns the keys of "[NAME]" in the credentials file; nil if absent.
func (f *sharedFiles) credentialsSection(profile string) map[string]string {
	if f.credentials == nil {
		return nil
	}
	if sec, err := f.credentials.GetSection(profile); err == nil {
		return sec.KeysHash()
	}
	return nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
