package awsx

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// MFAAPI is every IAM call of MFA onboarding and management.
type MFAAPI interface {
	UserAPI
	CreateVirtualMFADevice(ctx context.Context, in *iam.CreateVirtualMFADeviceInput, optFns ...func(*iam.Options)) (*iam.CreateVirtualMFADeviceOutput, error)
	EnableMFADevice(ctx context.Context, in *iam.EnableMFADeviceInput, optFns ...func(*iam.Options)) (*iam.EnableMFADeviceOutput, error)
	DeactivateMFADevice(ctx context.Context, in *iam.DeactivateMFADeviceInput, optFns ...func(*iam.Options)) (*iam.DeactivateMFADeviceOutput, error)
	DeleteVirtualMFADevice(ctx context.Context, in *iam.DeleteVirtualMFADeviceInput, optFns ...func(*iam.Options)) (*iam.DeleteVirtualMFADeviceOutput, error)
	ListVirtualMFADevices(ctx context.Context, in *iam.ListVirtualMFADevicesInput, optFns ...func(*iam.Options)) (*iam.ListVirtualMFADevicesOutput, error)
	ResyncMFADevice(ctx context.Context, in *iam.ResyncMFADeviceInput, optFns ...func(*iam.Options)) (*iam.ResyncMFADeviceOutput, error)
}

var _ MFAAPI = (*iam.Client)(nil)

// totpIssuer is the issuer AWS puts in its virtual MFA QR codes.
const totpIssuer = "Amazon Web Services"

// maxDeviceSuffix bounds the search for a free device name ("alice-2" … "alice-9").
const maxDeviceSuffix = 9

// Enrollment is a virtual MFA device created but not yet enabled. Secret and URI are the device's seed: show
// them once (QR code or grouped text), then call Forget.
type Enrollment struct {
	Serial   string // the device ARN
	Secret   string // base32 seed, as AWS returns it in Base32StringSeed
	URI      string // otpauth:// URI for authenticator apps
	Replaced string // an unassigned device left by an earlier, unfinished attempt; "" if none
}

// GroupedSecret returns the seed in groups of four ("JBSW Y3DP …"), for typing into an authenticator.
func (e *Enrollment) GroupedSecret() string {
	var b strings.Builder
	for i, r := range e.Secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Forget drops the seed. Go strings cannot be wiped in place; Forget removes the last references kagi holds
// (the SDK's byte buffers were zeroed when the Enrollment was built).
func (e *Enrollment) Forget() { e.Secret, e.URI = "", "" }

// AlreadyEnrolledError: the user already has an MFA device, so onboarding does not create another.
type AlreadyEnrolledError struct{ User, Serial string }

func (e *AlreadyEnrolledError) Error() string {
	return fmt.Sprintf("user %s already has MFA device %s; remove it before registering a new one", e.User, e.Serial)
}

// ErrLeftover is matched (errors.Is) by every *LeftoverError.
var ErrLeftover = errors.New("an unassigned virtual MFA device stays in the account")

// LeftoverError: deleting a virtual MFA device was denied (under the forced-MFA policy it needs MFA, which a
// user who is still onboarding does not have). The device stays unassigned and harmless; the next enrollment
// creates its device under a new name. Callers treat it as a warning.
type LeftoverError struct {
	Serial      string
	Deactivated bool // Remove deactivated the device before the delete was denied
	Err         error
}

func (e *LeftoverError) Error() string {
	if e.Deactivated {
		return fmt.Sprintf("MFA device %s was deactivated, but deleting it was denied, so it stays in the account unassigned; the next registration creates a device under a new name", e.Serial)
	}
	return fmt.Sprintf("the unfinished MFA device %s stays in the account unassigned (deleting it was denied); the next registration replaces it with a device under a new name", e.Serial)
}
func (e *LeftoverError) Unwrap() error        { return e.Err }
func (e *LeftoverError) Is(target error) bool { return target == ErrLeftover }

// CodesError: AWS rejected a pair of codes for EnableMFADevice or ResyncMFADevice. Its message is the sentence
// for the user; it unwraps to the API error.
type CodesError struct{ Err error }

func (e *CodesError) Error() string {
	return "AWS did not accept the two codes; enter two consecutive codes from your authenticator (the one it shows now, then the next one after it changes) and check that the device's clock is correct"
}
func (e *CodesError) Unwrap() error { return e.Err }

// BeginEnrollment creates a virtual MFA device for userName ("" means the caller) named deviceName (default:
// the user name). It makes only calls the forced-MFA policy allows before MFA: GetUser (when userName is
// empty), ListMFADevices, ListVirtualMFADevices and CreateVirtualMFADevice. An unassigned device of the same
// name left by an aborted attempt cannot be deleted before MFA, so the new device takes the next free name
// (deviceName-2, -3, …) and Replaced names the leftover.
func BeginEnrollment(ctx context.Context, api MFAAPI, userName, deviceName string) (*Enrollment, error) {
	if userName == "" {
		out, err := api.GetUser(ctx, &iam.GetUserInput{})
		if err != nil {
			return nil, fmt.Errorf("get user: %w", err)
		}
		userName = aws.ToString(out.User.UserName)
	}
	if deviceName == "" {
		deviceName = userName
	}
	devices, err := Devices(ctx, api, userName)
	if err != nil {
		return nil, err
	}
	if len(devices) > 0 {
		return nil, &AlreadyEnrolledError{User: userName, Serial: devices[0].SerialNumber}
	}
	leftovers, err := unassignedSerials(ctx, api)
	if err != nil {
		return nil, err
	}
	replaced := ""
	for n := 1; n <= maxDeviceSuffix; n++ {
		name := deviceName
		if n > 1 {
			name += "-" + strconv.Itoa(n)
		}
		if serial, ok := leftovers[name]; ok {
			replaced = serial
			continue
		}
		out, err := api.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(name)})
		if Classify(err) == ClassEntityExists { // the name belongs to someone else's device
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("create virtual MFA device %s: %w", name, err)
		}
		return newEnrollment(out.VirtualMFADevice, userName, replaced)
	}
	return nil, fmt.Errorf("virtual MFA device names %s to %s-%d are all taken; choose another device name", deviceName, deviceName, maxDeviceSuffix)
}

func newEnrollment(d *types.VirtualMFADevice, userName, replaced string) (*Enrollment, error) {
	if d == nil || d.SerialNumber == nil || len(d.Base32StringSeed) == 0 {
		return nil, errors.New("create virtual MFA device: AWS returned no serial number or seed")
	}
	e := &Enrollment{Serial: aws.ToString(d.SerialNumber), Secret: string(d.Base32StringSeed), Replaced: replaced}
	clear(d.Base32StringSeed)
	clear(d.QRCodePNG) // kagi draws its own QR code from the URI
	e.URI = otpauthURI(userName, accountOf(e.Serial), e.Secret)
	return e, nil
}

// otpauthURI is the URI AWS encodes in its QR codes: label "Amazon Web Services:<user>@<account>".
func otpauthURI(userName, account, secret string) string {
	label := escapeLabel(totpIssuer + ":" + userName + "@" + account)
	return "otpauth://totp/" + label + "?secret=" + secret + "&issuer=" + escapeLabel(totpIssuer)
}

// escapeLabel percent-encodes like a path segment and also encodes '+', which some authenticators read as a space.
func escapeLabel(s string) string { return strings.ReplaceAll(url.PathEscape(s), "+", "%2B") }

// accountOf returns the account ID of an ARN ("arn:aws:iam::123456789012:mfa/alice").
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	return parts[4]
}

// unassignedSerials maps device name to serial for every unassigned virtual MFA device at path "/".
func unassignedSerials(ctx context.Context, api MFAAPI) (map[string]string, error) {
	out := map[string]string{}
	in := &iam.ListVirtualMFADevicesInput{AssignmentStatus: types.AssignmentStatusTypeUnassigned}
	for {
		page, err := api.ListVirtualMFADevices(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list virtual MFA devices: %w", err)
		}
		for _, d := range page.VirtualMFADevices {
			serial := aws.ToString(d.SerialNumber)
			if _, name, ok := strings.Cut(serial, ":mfa/"); ok && !strings.Contains(name, "/") {
				out[name] = serial
			}
		}
		if !page.IsTruncated || page.Marker == nil {
			return out, nil
		}
		in.Marker = page.Marker
	}
}

// Enable assigns the enrolled device to userName with two consecutive codes.
func Enable(ctx context.Context, api MFAAPI, userName, serial, code1, code2 string) error {
	if err := checkCodePair(code1, code2); err != nil {
		return err
	}
	_, err := api.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{
		UserName: aws.String(userName), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(code1), AuthenticationCode2: aws.String(code2),
	})
	return codesErr("enable MFA device", err)
}

// Resync brings AWS's idea of the device's clock back in line with two consecutive codes.
func Resync(ctx context.Context, api MFAAPI, userName, serial, code1, code2 string) error {
	if err := checkCodePair(code1, code2); err != nil {
		return err
	}
	_, err := api.ResyncMFADevice(ctx, &iam.ResyncMFADeviceInput{
		UserName: aws.String(userName), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(code1), AuthenticationCode2: aws.String(code2),
	})
	return codesErr("resync MFA device", err)
}

func codesErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case Classify(err) == ClassInvalidMFA || Classify(err) == ClassMFAUsed:
		return &CodesError{Err: err}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// checkCodePair rejects codes that are not six digits before any AWS call.
func checkCodePair(code1, code2 string) error {
	for i, c := range []string{code1, code2} {
		if !IsMFACode(c) {
			return fmt.Errorf("code %d must be the 6 digits your authenticator shows", i+1)
		}
	}
	return nil
}

// IsMFACode reports whether s is six ASCII digits.
func IsMFACode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CancelEnrollment deletes a device that was created but not enabled. Before MFA the forced-MFA policy denies
// the delete: the result is then a *LeftoverError (the device stays, BeginEnrollment works around it).
func CancelEnrollment(ctx context.Context, api MFAAPI, serial string) error {
	_, err := api.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
	switch Classify(err) {
	case ClassUnknown:
		if err == nil {
			return nil
		}
	case ClassNoSuchEntity:
		return nil
	case ClassAccessDenied, ClassAccessDeniedSourceIP:
		return &LeftoverError{Serial: serial, Err: err}
	}
	return fmt.Errorf("delete virtual MFA device %s: %w", serial, err)
}

// Remove deactivates the user's MFA device and, for a virtual device, deletes it. It needs an MFA session
// under the forced-MFA policy. A denied delete after a successful deactivation is a *LeftoverError.
func Remove(ctx context.Context, api MFAAPI, userName, serial string) error {
	in := &iam.DeactivateMFADeviceInput{SerialNumber: aws.String(serial)}
	if userName != "" {
		in.UserName = aws.String(userName)
	}
	if _, err := api.DeactivateMFADevice(ctx, in); err != nil {
		return fmt.Errorf("deactivate MFA device %s: %w", serial, err)
	}
	if !strings.Contains(serial, ":mfa/") { // a hardware token: nothing to delete
		return nil
	}
	if err := CancelEnrollment(ctx, api, serial); err != nil {
		var le *LeftoverError
		if errors.As(err, &le) {
			le.Deactivated = true
		}
		return err
	}
	return nil
}

// Devices lists the MFA devices assigned to userName ("" means the caller), oldest first as IAM returns them.
func Devices(ctx context.Context, api UserAPI, userName string) ([]MFADevice, error) {
	in := &iam.ListMFADevicesInput{}
	if userName != "" {
		in.UserName = aws.String(userName)
	}
	out := []MFADevice{}
	for {
		page, err := api.ListMFADevices(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list MFA devices: %w", err)
		}
		for _, d := range page.MFADevices {
			out = append(out, MFADevice{SerialNumber: aws.ToString(d.SerialNumber), EnabledAt: aws.ToTime(d.EnableDate)})
		}
		if !page.IsTruncated || page.Marker == nil {
			return out, nil
		}
		in.Marker = page.Marker
	}
}
