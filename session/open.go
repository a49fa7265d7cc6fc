package session

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kagi-cli/kagi/awsx"
)

// Options configure Open.
type Options struct {
	Env Env
	// AWS says where STS calls go (region, endpoint, debug log, retries); its credentials are not used:
	// the engine signs with keys from the keyring and the sessions it creates.
	AWS             awsx.Config
	MFAToken        string        // --mfa-token
	Window          time.Duration // --window; 0 = 15 minutes
	SessionDuration time.Duration // --session-duration; 0 = 12 hours
	Store           *Store        // nil: OpenStore with the environment's backend
}

// Open loads the AWS config and credentials files, opens the keyring and returns a ready Engine.
func Open(opts Options) (*Engine, error) {
	env := opts.Env
	cfg, err := LoadConfig(ConfigPath(env))
	if err != nil {
		return nil, err
	}
	creds, err := LoadCredentials(CredentialsPath(env))
	if err != nil {
		return nil, err
	}
	cfg.AddCredentialsProfiles(creds)
	store := opts.Store
	if store == nil {
		if store, err = OpenStore(StoreOptions{Env: env, Debug: opts.AWS.Debug.Printf, SplitSessions: true}); err != nil {
			return nil, err
		}
	}
	dirs := DefaultDirs(env)
	steps := NewStepMemory(dirs.State)
	base := opts.AWS
	return &Engine{
		Config: cfg,
		Creds:  creds,
		Store:  store,
		STS: func(p aws.CredentialsProvider) awsx.STSAPI {
			return base.WithCredentials(p, "kagi").STS()
		},
		Tokens:          &Prompter{MFAToken: opts.MFAToken, GUI: true, Env: env, Steps: steps},
		Steps:           steps,
		Dirs:            dirs,
		Log:             opts.AWS.Debug,
		Window:          opts.Window,
		SessionDuration: opts.SessionDuration,
		Interactive:     true,
	}, nil
}
