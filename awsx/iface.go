package awsx

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Narrow interfaces over the SDK clients. Each method has exactly the SDK's signature, so *iam.Client and
// *sts.Client satisfy them and tests can pass small fakes. Flows take the narrowest one they need.

// CallerIdentityAPI is the STS identity call.
type CallerIdentityAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// STSAPI is every STS call kagi makes.
type STSAPI interface {
	CallerIdentityAPI
	GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput, optFns ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error)
	AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)
}

// UserAPI reads the calling IAM user and its MFA devices.
type UserAPI interface {
	GetUser(ctx context.Context, in *iam.GetUserInput, optFns ...func(*iam.Options)) (*iam.GetUserOutput, error)
	ListMFADevices(ctx context.Context, in *iam.ListMFADevicesInput, optFns ...func(*iam.Options)) (*iam.ListMFADevicesOutput, error)
}

var (
	_ STSAPI  = (*sts.Client)(nil)
	_ UserAPI = (*iam.Client)(nil)
)
