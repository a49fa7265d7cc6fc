package awsx

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// IAM builds the IAM client. This file is the only place kagi constructs SDK clients.
func (c Config) IAM() *iam.Client {
	return iam.New(iam.Options{
		Region:           c.Region,
		Credentials:      c.Credentials,
		BaseEndpoint:     optional(c.IAMEndpoint),
		RetryMaxAttempts: c.RetryMaxAttempts,
		HTTPClient:       HTTPClient(),
		Logger:           c.Debug.logger(),
		ClientLogMode:    c.Debug.logMode(),
		APIOptions:       c.Debug.apiOptions("iam"),
	})
}

// STS builds the STS client.
func (c Config) STS() *sts.Client {
	return sts.New(sts.Options{
		Region:           c.Region,
		Credentials:      c.Credentials,
		BaseEndpoint:     optional(c.STSEndpoint),
		RetryMaxAttempts: c.RetryMaxAttempts,
		HTTPClient:       HTTPClient(),
		Logger:           c.Debug.logger(),
		ClientLogMode:    c.Debug.logMode(),
		APIOptions:       c.Debug.apiOptions("sts"),
	})
}

// WithCredentials returns a copy of c that signs with p (e.g. an MFA session).
func (c Config) WithCredentials(p aws.CredentialsProvider, source string) Config {
	c.Credentials, c.CredentialSource = p, source
	return c
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
