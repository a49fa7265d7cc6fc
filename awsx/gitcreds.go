package awsx

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// CodeCommit HTTPS Git credentials are IAM service-specific credentials for CodeCommit: a generated Git user
// name and password. IAM returns the password only when it creates or resets the credential.

// GitServiceName is the service the Git credentials are for.
const GitServiceName = "codecommit.amazonaws.com"

// MaxGitCredentials is IAM's quota of service-specific credentials per user and service (inactive ones count).
const MaxGitCredentials = 2

// GitCredentialsAPI is the IAM service-specific credential calls.
type GitCredentialsAPI interface {
	CreateServiceSpecificCredential(ctx context.Context, in *iam.CreateServiceSpecificCredentialInput, optFns ...func(*iam.Options)) (*iam.CreateServiceSpecificCredentialOutput, error)
	ListServiceSpecificCredentials(ctx context.Context, in *iam.ListServiceSpecificCredentialsInput, optFns ...func(*iam.Options)) (*iam.ListServiceSpecificCredentialsOutput, error)
	ResetServiceSpecificCredential(ctx context.Context, in *iam.ResetServiceSpecificCredentialInput, optFns ...func(*iam.Options)) (*iam.ResetServiceSpecificCredentialOutput, error)
	UpdateServiceSpecificCredential(ctx context.Context, in *iam.UpdateServiceSpecificCredentialInput, optFns ...func(*iam.Options)) (*iam.UpdateServiceSpecificCredentialOutput, error)
	DeleteServiceSpecificCredential(ctx context.Context, in *iam.DeleteServiceSpecificCredentialInput, optFns ...func(*iam.Options)) (*iam.DeleteServiceSpecificCredentialOutput, error)
}

var _ GitCredentialsAPI = (*iam.Client)(nil)

// GitCredential is one CodeCommit Git credential, without its password.
type GitCredential struct {
	ID       string    `json:"id"`
	UserName string    `json:"user_name"` // the Git user name (IAM's ServiceUserName), e.g. alice-at-123456789012
	Status   string    `json:"status"`    // Active or Inactive
	Created  time.Time `json:"created"`
}

// GitSecret is a credential with its password, which IAM shows only at creation and reset.
type GitSecret struct {
	GitCredential
	Password string `json:"password"`
}

// ErrGitCredentialLimit: the user already has MaxGitCredentials Git credentials.
var ErrGitCredentialLimit = errors.New("git credential limit reached")

// gitLimitError carries kagi's own sentence for IAM's LimitExceeded. It does not unwrap to the AWS error,
// so Classify and Humanize show this sentence rather than the generic one about limits; Cause has the
// original error.
type gitLimitError struct{ cause error }

func (e *gitLimitError) Error() string {
	return fmt.Sprintf("you already have %d CodeCommit Git credentials, the most IAM allows per user; delete one you no longer use, or reset the password of an existing one instead of creating another", MaxGitCredentials)
}
func (e *gitLimitError) Is(target error) bool { return target == ErrGitCredentialLimit }

// Cause returns IAM's LimitExceeded error.
func (e *gitLimitError) Cause() error { return e.cause }

// ListGitCredentials lists user's CodeCommit Git credentials ("" = the caller), oldest first as IAM returns them.
func ListGitCredentials(ctx context.Context, api GitCredentialsAPI, user string) ([]GitCredential, error) {
	out := []GitCredential{}
	in := &iam.ListServiceSpecificCredentialsInput{UserName: optional(user), ServiceName: aws.String(GitServiceName)}
	for page := 0; page < 100; page++ {
		res, err := api.ListServiceSpecificCredentials(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list Git credentials: %w", err)
		}
		for _, m := range res.ServiceSpecificCredentials {
			out = append(out, GitCredential{ID: aws.ToString(m.ServiceSpecificCredentialId), UserName: aws.ToString(m.ServiceUserName),
				Status: string(m.Status), Created: aws.ToTime(m.CreateDate)})
		}
		if !res.IsTruncated || aws.ToString(res.Marker) == "" {
			break
		}
		in.Marker = res.Marker
	}
	return out, nil
}

// CreateGitCredential creates a CodeCommit Git credential for user (IAM requires the name, even for oneself).
func CreateGitCredential(ctx context.Context, api GitCredentialsAPI, user string) (GitSecret, error) {
	if user == "" {
		return GitSecret{}, errors.New("internal error: creating a Git credential needs the IAM user name")
	}
	out, err := api.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{
		UserName: aws.String(user), ServiceName: aws.String(GitServiceName),
	})
	if err != nil {
		if Classify(err) == ClassLimitExceeded {
			return GitSecret{}, &gitLimitError{cause: err}
		}
		return GitSecret{}, fmt.Errorf("create a Git credential: %w", err)
	}
	return gitSecretOf(out.ServiceSpecificCredential)
}

// ResetGitCredential gives the credential id of user ("" = the caller) a new password; the old one stops working.
func ResetGitCredential(ctx context.Context, api GitCredentialsAPI, user, id string) (GitSecret, error) {
	out, err := api.ResetServiceSpecificCredential(ctx, &iam.ResetServiceSpecificCredentialInput{
		UserName: optional(user), ServiceSpecificCredentialId: aws.String(id),
	})
	if err != nil {
		return GitSecret{}, fmt.Errorf("reset Git credential %s: %w", id, err)
	}
	return gitSecretOf(out.ServiceSpecificCredential)
}

// SetGitCredentialStatus activates (active true) or deactivates the credential id of user ("" = the caller).
func SetGitCredentialStatus(ctx context.Context, api GitCredentialsAPI, user, id string, active bool) error {
	status := types.StatusTypeInactive
	if active {
		status = types.StatusTypeActive
	}
	_, err := api.UpdateServiceSpecificCredential(ctx, &iam.UpdateServiceSpecificCredentialInput{
		UserName: optional(user), ServiceSpecificCredentialId: aws.String(id), Status: status,
	})
	if err != nil {
		return fmt.Errorf("set Git credential %s %s: %w", id, status, err)
	}
	return nil
}

// DeleteGitCredential deletes the credential id of user ("" = the caller). It cannot be undone.
func DeleteGitCredential(ctx context.Context, api GitCredentialsAPI, user, id string) error {
	_, err := api.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{
		UserName: optional(user), ServiceSpecificCredentialId: aws.String(id),
	})
	if err != nil {
		return fmt.Errorf("delete Git credential %s: %w", id, err)
	}
	return nil
}

func gitSecretOf(c *types.ServiceSpecificCredential) (GitSecret, error) {
	if c == nil || aws.ToString(c.ServicePassword) == "" {
		return GitSecret{}, errors.New("IAM returned no password for the Git credential; list your Git credentials and reset the new one")
	}
	return GitSecret{
		GitCredential: GitCredential{ID: aws.ToString(c.ServiceSpecificCredentialId), UserName: aws.ToString(c.ServiceUserName),
			Status: string(c.Status), Created: aws.ToTime(c.CreateDate)},
		Password: aws.ToString(c.ServicePassword),
	}, nil
}
