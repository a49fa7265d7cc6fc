package awsx

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Identity is who the configured credentials belong to.
type Identity struct {
	Account    string      `json:"account"`
	ARN        string      `json:"arn"`
	UserID     string      `json:"user_id"`
	UserName   string      `json:"user_name,omitempty"`  // IAM users only
	RoleName   string      `json:"role_name,omitempty"`  // assumed-role sessions only
	CreatedAt  *time.Time  `json:"created_at,omitempty"` // IAM users only
	MFADevices []MFADevice `json:"mfa_devices"`
}

// MFADevice is an MFA device assigned to the user.
type MFADevice struct {
	SerialNumber string    `json:"serial_number"`
	EnabledAt    time.Time `json:"enabled_at"`
}

// WhoAmI asks STS who the caller is and, for an IAM user, IAM for the user and its MFA devices. All three
// calls are allowed before MFA under the forced-MFA self-management policy.
func WhoAmI(ctx context.Context, stsc CallerIdentityAPI, iamc UserAPI) (*Identity, error) {
	out, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("get caller identity: %w", err)
	}
	id := &Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId), MFADevices: []MFADevice{}}
	kind, name := principalOf(id.ARN)
	if kind == "assumed-role" {
		id.RoleName = name
		return id, nil
	}
	if kind != "user" {
		return id, nil // root or a federated user: no IAM user to describe
	}
	user, err := iamc.GetUser(ctx, &iam.GetUserInput{})
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	id.UserName = aws.ToString(user.User.UserName)
	id.CreatedAt = user.User.CreateDate
	devices, err := iamc.ListMFADevices(ctx, &iam.ListMFADevicesInput{})
	if err != nil {
		return nil, fmt.Errorf("list MFA devices: %w", err)
	}
	for _, d := range devices.MFADevices {
		id.MFADevices = append(id.MFADevices, MFADevice{SerialNumber: aws.ToString(d.SerialNumber), EnabledAt: aws.ToTime(d.EnableDate)})
	}
	return id, nil
}

// principalOf splits "arn:aws:iam::123:user/path/alice" into ("user", "alice") and
// "arn:aws:sts::123:assumed-role/Role/my-sess" into ("assumed-role", "Role").
func principalOf(arn string) (kind, name string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return "", ""
	}
	resource := parts[5]
	kind, rest, _ := strings.Cut(resource, "/")
	switch kind {
	case "user":
		return kind, rest[strings.LastIndex(rest, "/")+1:]
	case "assumed-role":
		role, _, _ := strings.Cut(rest, "/")
		return kind, role
	}
	return kind, rest
}
