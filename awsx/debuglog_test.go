package awsx_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kagi-cli/kagi/awsx"
)

func TestRedact(t *testing.T) {
	secrets := []string{"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "IQoJb3JpZ2luX2VjEXAMPLETOKEN", "Hunter2-Password!", "123456", "654321",
		"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "deadbeefcafe0123456789abcdef"}
	inputs := []string{
		"X-Amz-Security-Token: IQoJb3JpZ2luX2VjEXAMPLETOKEN",
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=deadbeefcafe0123456789abcdef",
		"Action=ChangePassword&OldPassword=Hunter2-Password!&NewPassword=Hunter2-Password!",
		"Action=GetSessionToken&TokenCode=123456&SerialNumber=arn:aws:iam::000000000000:mfa/alice",
		"AuthenticationCode1=123456&AuthenticationCode2=654321",
		"<SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY</SecretAccessKey><SessionToken>IQoJb3JpZ2luX2VjEXAMPLETOKEN</SessionToken>",
		`{"secret_access_key":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","mfa_secret":"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}`,
		"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"otpauth://totp/Amazon%20Web%20Services:alice@000000000000?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=x",
		"<Base32StringSeed>JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP</Base32StringSeed>",
	}
	for _, in := range inputs {
		out := awsx.Redact(in)
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("Redact(%q) = %q still contains %q", in, out, s)
			}
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("Redact(%q) = %q: nothing marked as redacted", in, out)
		}
	}
	// Identifiers that help debugging stay.
	keep := "Credential=AKIAEXAMPLE/20260101 SerialNumber=arn:aws:iam::000000000000:mfa/alice"
	if got := awsx.Redact(keep); got != keep {
		t.Errorf("Redact changed non-secret text: %q", got)
	}
}

func TestDebugLogNilIsSilentAndLinesAreRedacted(t *testing.T) {
	var nilLog *awsx.DebugLog
	nilLog.Printf("nothing %s", "here") // must not panic

	var buf bytes.Buffer
	awsx.NewDebugLog(&buf).Printf("call with TokenCode=%s", "123456")
	if strings.Contains(buf.String(), "123456") || !strings.HasSuffix(buf.String(), "\n") {
		t.Errorf("debug line = %q", buf.String())
	}
}
