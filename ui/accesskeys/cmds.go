package accesskeys

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/common"
)

// rotateTimeout bounds a whole rotation, including the time the user takes to answer its question.
const rotateTimeout = 15 * time.Minute

// keysMsg carries the user's keys and the ID of the one kagi stores.
type keysMsg struct {
	keys   []awsx.AccessKey
	stored string
	err    error
}

// changedMsg reports a status change or a deletion.
type changedMsg struct {
	done    string // one sentence on what happened
	deleted bool
	err     error
}

// secretMsg carries the stored key, read back for the one-time reveal after a rotation.
type secretMsg struct {
	key *session.LongTermKey
	err error
}

// The rotation's events, sent by the goroutine running session.Rotate over one channel.
type (
	rotationStartedMsg struct{ events <-chan tea.Msg }
	stepMsg            struct{ step string } // a step of session.RotateHookPoints is done
	progressMsg        struct{ text string } // Rotate's sentence on a notable event
	confirmOldMsg      struct {              // Rotate asks whether to delete the old key
		oldID string
		reply chan<- bool
	}
	lastUsedMsg struct {
		keys []awsx.AccessKey
		err  error
	}
	rotatedMsg struct {
		res   *session.RotateResult
		creds *session.Credentials // the engine's credentials file after the rotation
		err   error
	}
)

// lookUpLastUsed asks when each key was last used, only when the user asks: the forced-MFA self-service
// policy denies iam:GetAccessKeyLastUsed, and a denial on every listing would fill CloudTrail with AccessDenied.
func lookUpLastUsed(api awsx.AccessKeysAPI, keys []awsx.AccessKey) tea.Cmd {
	keys = append([]awsx.AccessKey(nil), keys...)
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.CallTimeout)
		defer cancel()
		err := awsx.AddLastUsed(ctx, api, keys)
		return lastUsedMsg{keys: keys, err: err}
	}
}

func loadKeys(api awsx.AccessKeysAPI, engine *session.Engine, source string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.CallTimeout)
		defer cancel()
		keys, err := awsx.ListKeys(ctx, api, "")
		if err != nil {
			return keysMsg{err: err}
		}
		stored, err := storedKey(engine, source)
		return keysMsg{keys: keys, stored: stored.AccessKeyID, err: err}
	}
}

// storedKey is the key kagi signs with for source: the keyring's, else the credentials file's.
func storedKey(engine *session.Engine, source string) (session.LongTermKey, error) {
	k, err := engine.Store.Key(source)
	if errors.Is(err, session.ErrNotFound) {
		if engine.Creds != nil {
			if k, ok := engine.Creds.Key(source); ok {
				return k, nil
			}
		}
		return session.LongTermKey{}, nil
	}
	return k, err
}

func setStatus(api awsx.AccessKeysAPI, id string, active bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.CallTimeout)
		defer cancel()
		done := "Deactivated " + session.MaskKeyID(id) + "."
		if active {
			done = "Activated " + session.MaskKeyID(id) + "."
		}
		return changedMsg{done: done, err: awsx.SetKeyStatus(ctx, api, "", id, active)}
	}
}

func deleteKey(api awsx.AccessKeysAPI, id string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.CallTimeout)
		defer cancel()
		return changedMsg{done: "Deleted " + session.MaskKeyID(id) + ".", deleted: true, err: awsx.DeleteKey(ctx, api, "", id)}
	}
}

func readSecret(engine *session.Engine, source string) tea.Cmd {
	return func() tea.Msg {
		k, err := storedKey(engine, source)
		if err == nil && k.SecretAccessKey == "" {
			err = fmt.Errorf("kagi has no stored key for profile %s", source)
		}
		if err != nil {
			return secretMsg{err: err}
		}
		return secretMsg{key: &k}
	}
}

// rotate starts session.Rotate in a goroutine with engine (common.QuietEngine: it never prompts) and returns
// the channel its events arrive on; waitRotation reads them one at a time.
func rotate(engine *session.Engine, cfg awsx.Config, profile string) tea.Cmd {
	return func() tea.Msg {
		events := make(chan tea.Msg, 32) // more than a rotation sends: the goroutine never blocks on the UI
		go runRotation(engine, cfg, profile, events)
		return rotationStartedMsg{events: events}
	}
}

func runRotation(engine *session.Engine, cfg awsx.Config, profile string, events chan<- tea.Msg) {
	ctx, cancel := context.WithTimeout(context.Background(), rotateTimeout)
	defer cancel()
	opts := session.RotateOptions{
		Profile: profile,
		IAM: func(p aws.CredentialsProvider) awsx.AccessKeysAPI {
			return cfg.WithCredentials(p, "self-service").IAM()
		},
		Confirm: func(ctx context.Context, oldID string) (bool, error) {
			reply := make(chan bool, 1)
			events <- confirmOldMsg{oldID: oldID, reply: reply}
			select {
			case yes := <-reply:
				return yes, nil
			case <-ctx.Done():
				return false, ctx.Err()
			}
		},
		// Hook exists for tests to stop Rotate at each step; returning nil it is a progress report.
		Hook: func(point string) error {
			if !strings.Contains(point, "/") {
				events <- stepMsg{step: point}
			}
			return nil
		},
		Progress: func(text string) { events <- progressMsg{text: text} },
	}
	res, err := engine.Rotate(ctx, opts)
	events <- rotatedMsg{res: res, creds: engine.Creds, err: err}
}

func waitRotation(events <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg { return <-events }
}

func refresh() tea.Msg { return common.RefreshMsg{} }
