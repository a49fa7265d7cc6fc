package awsx

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// AccessKeysAPI is the IAM access-key calls, with the SDK's signatures (*iam.Client satisfies it).
type AccessKeysAPI interface {
	ListAccessKeys(ctx context.Context, in *iam.ListAccessKeysInput, optFns ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error)
	CreateAccessKey(ctx context.Context, in *iam.CreateAccessKeyInput, optFns ...func(*iam.Options)) (*iam.CreateAccessKeyOutput, error)
	UpdateAccessKey(ctx context.Context, in *iam.UpdateAccessKeyInput, optFns ...func(*iam.Options)) (*iam.UpdateAccessKeyOutput, error)
	DeleteAccessKey(ctx context.Context, in *iam.DeleteAccessKeyInput, optFns ...func(*iam.Options)) (*iam.DeleteAccessKeyOutput, error)
	GetAccessKeyLastUsed(ctx context.Context, in *iam.GetAccessKeyLastUsedInput, optFns ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error)
}

var _ AccessKeysAPI = (*iam.Client)(nil)

// Key statuses, as IAM spells them.
const (
	KeyActive   = "Active"
	KeyInactive = "Inactive"
)

// LastUsedNotPermitted is AccessKey.LastUsedErr when the caller may not call iam:GetAccessKeyLastUsed (the
// forced-MFA self-management policy does not allow it).
const LastUsedNotPermitted = "not permitted"

// AccessKey is one of a user's access keys, without its secret (IAM never returns it after creation).
type AccessKey struct {
	ID          string     `json:"id"`
	Status      string     `json:"status"` // KeyActive or KeyInactive
	Created     time.Time  `json:"created"`
	LastUsed    *time.Time `json:"last_used,omitempty"` // nil: never used, or unknown (see LastUsedErr)
	LastService string     `json:"last_service,omitempty"`
	LastRegion  string     `json:"last_region,omitempty"`
	// LastUsedErr says why LastUsed is unknown: LastUsedNotPermitted, or "unavailable (<class>)".
	LastUsedErr string `json:"last_used_error,omitempty"`
	// LastUsedAsked: AddLastUsed ran for this key; before that LastUsed says nothing.
	LastUsedAsked bool `json:"-"`
}

// Active reports whether the key is active.
func (k AccessKey) Active() bool { return k.Status == KeyActive }

// AgeAt is the key's age at now, the caller's clock (the engine's, or the endpoint's in `kagi demo` and
// tests): a listing holds only what AWS said, so it reads the same whenever it is shown.
func (k AccessKey) AgeAt(now time.Time) time.Duration { return now.Sub(k.Created) }

// ListKeys lists user's access keys ("" = the caller), oldest first. It does not ask when each was last used:
// rotation and key matching do not need it, and under the forced-MFA self-service policy
// iam:GetAccessKeyLastUsed is denied, so asking by default would put an AccessDenied in CloudTrail on every
// listing. ListKeysLastUsed asks.
func ListKeys(ctx context.Context, api AccessKeysAPI, user string) ([]AccessKey, error) {
	var keys []AccessKey
	in := &iam.ListAccessKeysInput{UserName: optional(user)}
	for {
		out, err := api.ListAccessKeys(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list access keys: %w", err)
		}
		for _, m := range out.AccessKeyMetadata {
			keys = append(keys, AccessKey{ID: aws.ToString(m.AccessKeyId), Status: string(m.Status), Created: aws.ToTime(m.CreateDate)})
		}
		if !out.IsTruncated || aws.ToString(out.Marker) == "" {
			break
		}
		in.Marker = out.Marker
	}
	sort.SliceStable(keys, func(i, j int) bool { return keys[i].Created.Before(keys[j].Created) })
	return keys, nil
}

// ListKeysLastUsed is ListKeys with when each key was last used (AddLastUsed).
func ListKeysLastUsed(ctx context.Context, api AccessKeysAPI, user string) ([]AccessKey, error) {
	keys, err := ListKeys(ctx, api, user)
	if err != nil {
		return nil, err
	}
	return keys, AddLastUsed(ctx, api, keys)
}

// AddLastUsed fills in when each key was last used. A GetAccessKeyLastUsed failure never fails: the key's
// LastUsedErr says why it is unknown, and a denial is asked once for all keys. Only cancellation is an error.
func AddLastUsed(ctx context.Context, api AccessKeysAPI, keys []AccessKey) error {
	denied := false
	for i := range keys {
		k := &keys[i]
		k.LastUsedAsked = true
		if denied { // the same answer for every key of the user: ask once
			k.LastUsedErr = LastUsedNotPermitted
			continue
		}
		out, err := api.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(k.ID)})
		switch c := Classify(err); {
		case err == nil:
			if lu := out.AccessKeyLastUsed; lu != nil && lu.LastUsedDate != nil {
				k.LastUsed, k.LastService, k.LastRegion = lu.LastUsedDate, aws.ToString(lu.ServiceName), aws.ToString(lu.Region)
			}
		case c == ClassAccessDenied || c == ClassAccessDeniedSourceIP:
			denied, k.LastUsedErr = true, LastUsedNotPermitted
		case c == ClassCanceled:
			return fmt.Errorf("get access key last used: %w", err)
		default:
			k.LastUsedErr = "unavailable (" + c.String() + ")"
		}
	}
	return nil
}

// NewAccessKey is a key just created: the only time AWS hands out its secret. Its String method hides the
// secret, so printing the struct by mistake does not leak it.
type NewAccessKey struct {
	ID      string
	Secret  string
	Created time.Time
}

func (k NewAccessKey) String() string   { return "NewAccessKey{" + k.ID + ", secret redacted}" }
func (k NewAccessKey) GoString() string { return k.String() }

// CreateKey creates an access key for user ("" = the caller).
func CreateKey(ctx context.Context, api AccessKeysAPI, user string) (NewAccessKey, error) {
	out, err := api.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: optional(user)})
	if err != nil {
		return NewAccessKey{}, fmt.Errorf("create access key: %w", err)
	}
	k := out.AccessKey
	if k == nil || aws.ToString(k.AccessKeyId) == "" || aws.ToString(k.SecretAccessKey) == "" {
		return NewAccessKey{}, errors.New("create access key: AWS returned no key")
	}
	return NewAccessKey{ID: *k.AccessKeyId, Secret: *k.SecretAccessKey, Created: aws.ToTime(k.CreateDate)}, nil
}

// SetKeyStatus activates or deactivates user's key id ("" = the caller's).
func SetKeyStatus(ctx context.Context, api AccessKeysAPI, user, id string, active bool) error {
	status := iamtypes.StatusTypeInactive
	if active {
		status = iamtypes.StatusTypeActive
	}
	_, err := api.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: optional(user), AccessKeyId: aws.String(id), Status: status})
	if err != nil {
		return fmt.Errorf("set access key %s %s: %w", id, status, err)
	}
	return nil
}

// DeleteKey deletes user's key id ("" = the caller's). It cannot be undone.
func DeleteKey(ctx context.Context, api AccessKeysAPI, user, id string) error {
	if _, err := api.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: optional(user), AccessKeyId: aws.String(id)}); err != nil {
		return fmt.Errorf("delete access key %s: %w", id, err)
	}
	return nil
}

// Waiter retries GetCallerIdentity with a new key until AWS accepts it. The zero value waits up to
// DefaultWaitTimeout with real timers; tests set Sleep and Now to move a fake clock instead.
type Waiter struct {
	Timeout time.Duration                                    // 0: DefaultWaitTimeout
	Sleep   func(ctx context.Context, d time.Duration) error // nil: a timer that ends early with ctx
	Now     func() time.Time                                 // nil: time.Now
	First   time.Duration                                    // first back-off (0: 500 ms), doubled up to Max
	Max     time.Duration                                    // 0: 5 s
}

// DefaultWaitTimeout is how long WaitUsable waits for AWS to accept a new key by default.
const DefaultWaitTimeout = 90 * time.Second

// WaitUsable waits until api (an STS client signing with a new access key) is accepted by AWS, retrying
// InvalidClientTokenId (AWS takes seconds to propagate a new key), throttling and transient failures.
func WaitUsable(ctx context.Context, api CallerIdentityAPI, timeout time.Duration) (*sts.GetCallerIdentityOutput, error) {
	return Waiter{Timeout: timeout}.Wait(ctx, api)
}

// Wait is WaitUsable with w's timing. After the timeout it returns the last error, wrapped.
func (w Waiter) Wait(ctx context.Context, api CallerIdentityAPI) (*sts.GetCallerIdentityOutput, error) {
	now, sleep := w.Now, w.Sleep
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = sleepCtx
	}
	timeout, delay, maxDelay := w.Timeout, w.First, w.Max
	if timeout <= 0 {
		timeout = DefaultWaitTimeout
	}
	if delay <= 0 {
		delay = 500 * time.Millisecond
	}
	if maxDelay <= 0 {
		maxDelay = 5 * time.Second
	}
	start := now()
	for {
		out, err := api.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err == nil {
			return out, nil
		}
		if Classify(err) != ClassInvalidClientToken && !IsRetryable(err) {
			return nil, err
		}
		waited := now().Sub(start)
		if waited+delay > timeout {
			return nil, fmt.Errorf("the new access key was not accepted after %s: %w", waited.Round(time.Second), err)
		}
		if serr := sleep(ctx, delay); serr != nil {
			return nil, serr
		}
		delay = min(2*delay, maxDelay)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
