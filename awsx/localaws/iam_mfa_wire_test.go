package localaws_test

import (
	"bytes"
	"encoding/base32"
	"fmt"
	"image/png"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kagi-cli/kagi/awsx/localaws"
)

// newVirtualMFA creates a virtual MFA device through the API and returns its serial and base32 seed.
func newVirtualMFA(t *testing.T, c *iam.Client, name string) (serial, seed string) {
	t.Helper()
	out, err := c.CreateVirtualMFADevice(wireCtx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(name)})
	mustOK(t, err, "CreateVirtualMFADevice "+name)
	return aws.ToString(out.VirtualMFADevice.SerialNumber), string(out.VirtualMFADevice.Base32StringSeed)
}

// otherCode is a six-digit code different from code.
func otherCode(code string) string {
	n, _ := strconv.Atoi(code)
	return fmt.Sprintf("%06d", (n+1)%1000000)
}

func TestCreateVirtualMFADevice(t *testing.T) {
	srv, url := newTestEndpoint(t)
	c := iamAdminUser(t, srv, url)

	out, err := c.CreateVirtualMFADevice(wireCtx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("dave")})
	mustOK(t, err, "CreateVirtualMFADevice")
	d := out.VirtualMFADevice
	if got := aws.ToString(d.SerialNumber); got != "arn:aws:iam::"+testAccount+":mfa/dave" {
		t.Errorf("SerialNumber = %q", got)
	}
	seed := string(d.Base32StringSeed)
	raw, err := base32.StdEncoding.DecodeString(seed)
	if err != nil || len(raw) < 10 {
		t.Fatalf("Base32StringSeed %q is not a base32 seed of at least 80 bits: %v", seed, err)
	}
	if code := localaws.CodeAt(seed, srv.Clock().Now()); len(code) != 6 {
		t.Errorf("CodeAt(seed) = %q, want 6 digits", code)
	}
	img, err := png.Decode(bytes.NewReader(d.QRCodePNG))
	if err != nil {
		t.Fatalf("QRCodePNG is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != b.Dy() || b.Dx() <= 100 {
		t.Errorf("QR code is %dx%d, want square and > 100 px", b.Dx(), b.Dy())
	}
	if d.User != nil || d.EnableDate != nil {
		t.Errorf("a new device is unassigned, got User %v EnableDate %v", d.User, d.EnableDate)
	}

	t.Run("path", func(t *testing.T) {
		out, err := c.CreateVirtualMFADevice(wireCtx, &iam.CreateVirtualMFADeviceInput{
			VirtualMFADeviceName: aws.String("dave"), Path: aws.String("/team/")})
		mustOK(t, err, "CreateVirtualMFADevice with path")
		if got := aws.ToString(out.VirtualMFADevice.SerialNumber); got != "arn:aws:iam::"+testAccount+":mfa/team/dave" {
			t.Errorf("SerialNumber = %q", got)
		}
	})
	t.Run("duplicate name", func(t *testing.T) {
		_, err := c.CreateVirtualMFADevice(wireCtx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("dave")})
		wantCode(t, err, "EntityAlreadyExists")
		wantTyped[*types.EntityAlreadyExistsException](t, err)
	})
	t.Run("invalid name", func(t *testing.T) {
		for _, name := range []string{"has space", "slash/name", "star*"} {
			_, err := c.CreateVirtualMFADevice(wireCtx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(name)})
			wantCode(t, err, "ValidationError")
		}
	})
	t.Run("invalid path", func(t *testing.T) {
		for _, path := range []string{"team", "/team", "team/", "/te am/", "//"} {
			_, err := c.CreateVirtualMFADevice(wireCtx, &iam.CreateVirtualMFADeviceInput{
				VirtualMFADeviceName: aws.String("pathed"), Path: aws.String(path)})
			wantCode(t, err, "ValidationError")
		}
	})
	t.Run("each device has its own seed", func(t *testing.T) {
		_, seed2 := newVirtualMFA(t, c, "dave-2")
		if seed2 == seed {
			t.Error("two devices share a seed")
		}
	})
}

func TestEnableMFADevice(t *testing.T) {
	srv, url := newTestEndpoint(t)
	c := iamAdminUser(t, srv, url)
	if err := srv.CreateUser("erin", "", nil); err != nil {
		t.Fatal(err)
	}
	enable := func(user, serial, code1, code2 string) error {
		_, err := c.EnableMFADevice(wireCtx, &iam.EnableMFADeviceInput{UserName: aws.String(user), SerialNumber: aws.String(serial),
			AuthenticationCode1: aws.String(code1), AuthenticationCode2: aws.String(code2)})
		return err
	}
	step := func(seed string, n int) string {
		return localaws.CodeAt(seed, srv.Clock().Now().Add(time.Duration(n)*30*time.Second))
	}

	for i, tc := range []struct {
		name         string
		codes        func(seed string) (string, string)
		wantCode     string // "" for success
		advanceFirst bool   // read code 1, wait a step, read code 2: as a person does
	}{
		{"consecutive n, n+1", func(s string) (string, string) { return step(s, 0), step(s, 1) }, "", false},
		{"consecutive n-1, n", func(s string) (string, string) { return step(s, -1), step(s, 0) }, "", false},
		{"non-consecutive n, n+2", func(s string) (string, string) { return step(s, 0), step(s, 2) }, "InvalidAuthenticationCode", false},
		{"reversed n+1, n", func(s string) (string, string) { return step(s, 1), step(s, 0) }, "InvalidAuthenticationCode", false},
		{"same code twice", func(s string) (string, string) { return step(s, 0), step(s, 0) }, "InvalidAuthenticationCode", false},
		{"wrong codes", func(s string) (string, string) { return otherCode(step(s, 0)), otherCode(step(s, 1)) }, "InvalidAuthenticationCode", false},
		{"wrong second code", func(s string) (string, string) { return step(s, 0), otherCode(step(s, 1)) }, "InvalidAuthenticationCode", false},
		{"too far in the future", func(s string) (string, string) { return step(s, 3), step(s, 4) }, "InvalidAuthenticationCode", false},
		{"too far in the past", func(s string) (string, string) { return step(s, -3), step(s, -2) }, "InvalidAuthenticationCode", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			user := fmt.Sprintf("u%d", i)
			if err := srv.CreateUser(user, "", nil); err != nil {
				t.Fatal(err)
			}
			serial, seed := newVirtualMFA(t, c, user)
			code1, code2 := tc.codes(seed)
			err := enable(user, serial, code1, code2)
			if tc.wantCode == "" {
				mustOK(t, err, "EnableMFADevice")
				return
			}
			wantCode(t, err, tc.wantCode)
			wantTyped[*types.InvalidAuthenticationCodeException](t, err)
		})
	}

	t.Run("as a person does it: code, wait a step, code", func(t *testing.T) {
		serial, seed := newVirtualMFA(t, c, "person")
		code1 := localaws.CodeAt(seed, srv.Clock().Now())
		code2 := nextCode(srv, seed)
		if err := srv.CreateUser("person", "", nil); err != nil {
			t.Fatal(err)
		}
		mustOK(t, enable("person", serial, code1, code2), "EnableMFADevice")
	})

	t.Run("reused pair", func(t *testing.T) {
		serial, seed := newVirtualMFA(t, c, "reuse")
		code1, code2 := step(seed, 0), step(seed, 1)
		mustOK(t, enable("erin", serial, code1, code2), "EnableMFADevice")
		_, err := c.DeactivateMFADevice(wireCtx, &iam.DeactivateMFADeviceInput{UserName: aws.String("erin"), SerialNumber: aws.String(serial)})
		mustOK(t, err, "DeactivateMFADevice")
		err = enable("erin", serial, code1, code2)
		wantCode(t, err, "InvalidAuthenticationCode")
		// Two steps later a fresh pair works.
		srv.Clock().Advance(60 * time.Second)
		mustOK(t, enable("erin", serial, step(seed, 0), step(seed, 1)), "EnableMFADevice with a fresh pair")
	})

	t.Run("malformed codes", func(t *testing.T) {
		serial, seed := newVirtualMFA(t, c, "malformed")
		for _, codes := range [][2]string{{"12345", step(seed, 1)}, {step(seed, 0), "1234567"}, {"12a456", step(seed, 1)}} {
			wantCode(t, enable("erin", serial, codes[0], codes[1]), "ValidationError")
			_, err := c.ResyncMFADevice(wireCtx, &iam.ResyncMFADeviceInput{UserName: aws.String("erin"), SerialNumber: aws.String(serial),
				AuthenticationCode1: aws.String(codes[0]), AuthenticationCode2: aws.String(codes[1])})
			wantCode(t, err, "ValidationError")
		}
	})

	t.Run("unknown serial", func(t *testing.T) {
		err := enable("erin", "arn:aws:iam::"+testAccount+":mfa/nonexistent", "123456", "234567")
		wantCode(t, err, "NoSuchEntity")
		wantTyped[*types.NoSuchEntityException](t, err)
	})

	t.Run("unknown user", func(t *testing.T) {
		serial, seed := newVirtualMFA(t, c, "orphan")
		wantCode(t, enable("nobody", serial, step(seed, 0), step(seed, 1)), "NoSuchEntity")
	})

	t.Run("already assigned", func(t *testing.T) {
		serial, seed := newVirtualMFA(t, c, "taken")
		mustOK(t, enable("erin", serial, step(seed, 0), step(seed, 1)), "EnableMFADevice")
		srv.Clock().Advance(60 * time.Second)
		if err := srv.CreateUser("frank", "", nil); err != nil {
			t.Fatal(err)
		}
		err := enable("frank", serial, step(seed, 0), step(seed, 1))
		wantCode(t, err, "EntityAlreadyExists")
		wantTyped[*types.EntityAlreadyExistsException](t, err)
	})

	t.Run("the device then authenticates GetSessionToken", func(t *testing.T) {
		u, id, secret := iamUserWithKey(t, srv, url, "gsts", "", adminPolicy)
		serial, seed := newVirtualMFA(t, u, "gsts")
		_, err := u.EnableMFADevice(wireCtx, &iam.EnableMFADeviceInput{UserName: aws.String("gsts"), SerialNumber: aws.String(serial),
			AuthenticationCode1: aws.String(step(seed, 0)), AuthenticationCode2: aws.String(step(seed, 1))})
		mustOK(t, err, "EnableMFADevice")
		// The code of step n+1 was spent by EnableMFADevice.
		_, err = stsClient(t, url, id, secret, "").GetSessionToken(wireCtx, &sts.GetSessionTokenInput{
			SerialNumber: aws.String(serial), TokenCode: aws.String(step(seed, 1))})
		wantCode(t, err, "AccessDenied")
		srv.Clock().Advance(30 * time.Second)
		mfaSession(t, srv, url, id, secret, serial, seed) // advances one more step: n+2 is fresh
	})
}

func TestListMFADevices(t *testing.T) {
	srv, url := newTestEndpoint(t)
	dave, _, _ := iamUserWithKey(t, srv, url, "dave", "", adminPolicy)

	out, err := dave.ListMFADevices(wireCtx, &iam.ListMFADevicesInput{})
	mustOK(t, err, "ListMFADevices")
	if len(out.MFADevices) != 0 || out.IsTruncated {
		t.Fatalf("a user without devices lists %+v (truncated %v)", out.MFADevices, out.IsTruncated)
	}

	assigned, seed := newVirtualMFA(t, dave, "dave")
	newVirtualMFA(t, dave, "spare-1")
	newVirtualMFA(t, dave, "spare-2")
	enabledAt := srv.Clock().Now().Truncate(time.Second)
	_, err = dave.EnableMFADevice(wireCtx, &iam.EnableMFADeviceInput{UserName: aws.String("dave"), SerialNumber: aws.String(assigned),
		AuthenticationCode1: aws.String(localaws.CodeAt(seed, srv.Clock().Now())),
		AuthenticationCode2: aws.String(localaws.CodeAt(seed, srv.Clock().Now().Add(30*time.Second)))})
	mustOK(t, err, "EnableMFADevice")

	for _, in := range []*iam.ListMFADevicesInput{{}, {UserName: aws.String("dave")}} {
		out, err = dave.ListMFADevices(wireCtx, in)
		mustOK(t, err, "ListMFADevices")
		if len(out.MFADevices) != 1 {
			t.Fatalf("ListMFADevices = %+v, want the one assigned device", out.MFADevices)
		}
		m := out.MFADevices[0]
		if aws.ToString(m.SerialNumber) != assigned || aws.ToString(m.UserName) != "dave" || m.EnableDate == nil || !m.EnableDate.Equal(enabledAt) {
			t.Errorf("device = serial %q user %q enabled %v, want %q dave %v",
				aws.ToString(m.SerialNumber), aws.ToString(m.UserName), m.EnableDate, assigned, enabledAt)
		}
	}
	_, err = dave.ListMFADevices(wireCtx, &iam.ListMFADevicesInput{UserName: aws.String("nobody")})
	wantCode(t, err, "NoSuchEntity")

	serials := func(status types.AssignmentStatusType) []types.VirtualMFADevice {
		t.Helper()
		out, err := dave.ListVirtualMFADevices(wireCtx, &iam.ListVirtualMFADevicesInput{AssignmentStatus: status})
		mustOK(t, err, "ListVirtualMFADevices "+string(status))
		return out.VirtualMFADevices
	}
	for _, tc := range []struct {
		status types.AssignmentStatusType
		want   int
	}{{"", 3}, {types.AssignmentStatusTypeAny, 3}, {types.AssignmentStatusTypeAssigned, 1}, {types.AssignmentStatusTypeUnassigned, 2}} {
		devs := serials(tc.status)
		if len(devs) != tc.want {
			t.Errorf("ListVirtualMFADevices(%q) = %d devices, want %d", tc.status, len(devs), tc.want)
		}
		for _, d := range devs {
			if len(d.Base32StringSeed) != 0 || len(d.QRCodePNG) != 0 {
				t.Errorf("ListVirtualMFADevices reveals the seed of %s", aws.ToString(d.SerialNumber))
			}
			if aws.ToString(d.SerialNumber) == assigned {
				if d.User == nil || aws.ToString(d.User.UserName) != "dave" || aws.ToString(d.User.Arn) != "arn:aws:iam::"+testAccount+":user/dave" ||
					d.EnableDate == nil || !d.EnableDate.Equal(enabledAt) {
					t.Errorf("assigned device: User %+v EnableDate %v", d.User, d.EnableDate)
				}
			} else if d.User != nil || d.EnableDate != nil {
				t.Errorf("unassigned device %s carries User %+v EnableDate %v", aws.ToString(d.SerialNumber), d.User, d.EnableDate)
			}
		}
	}
	_, err = dave.ListVirtualMFADevices(wireCtx, &iam.ListVirtualMFADevicesInput{AssignmentStatus: "Bogus"})
	wantCode(t, err, "ValidationError")
}

func TestResyncMFADevice(t *testing.T) {
	srv, url := newTestEndpoint(t)
	dave, id, secret := iamUserWithKey(t, srv, url, "dave", "", adminPolicy)
	serial, seed := newVirtualMFA(t, dave, "dave")
	now := func() time.Time { return srv.Clock().Now() }
	_, err := dave.EnableMFADevice(wireCtx, &iam.EnableMFADeviceInput{UserName: aws.String("dave"), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(localaws.CodeAt(seed, now())), AuthenticationCode2: aws.String(localaws.CodeAt(seed, now().Add(30*time.Second)))})
	mustOK(t, err, "EnableMFADevice")
	resync := func(code1, code2 string) error {
		_, err := dave.ResyncMFADevice(wireCtx, &iam.ResyncMFADeviceInput{UserName: aws.String("dave"), SerialNumber: aws.String(serial),
			AuthenticationCode1: aws.String(code1), AuthenticationCode2: aws.String(code2)})
		return err
	}
	gst := func(code string) error {
		_, err := stsClient(t, url, id, secret, "").GetSessionToken(wireCtx, &sts.GetSessionTokenInput{
			SerialNumber: aws.String(serial), TokenCode: aws.String(code)})
		return err
	}
	const ahead = 5 * time.Minute // the phone's clock runs 5 minutes fast

	srv.Clock().Advance(60 * time.Second)
	wantCode(t, gst(localaws.CodeAt(seed, now().Add(ahead))), "AccessDenied") // drifted codes fail before a resync

	err = resync(otherCode(localaws.CodeAt(seed, now().Add(ahead))), localaws.CodeAt(seed, now().Add(ahead+30*time.Second)))
	wantCode(t, err, "InvalidAuthenticationCode")
	wantTyped[*types.InvalidAuthenticationCodeException](t, err)

	code1 := localaws.CodeAt(seed, now().Add(ahead))
	srv.Clock().Advance(30 * time.Second)
	code2 := localaws.CodeAt(seed, now().Add(ahead))
	mustOK(t, resync(code1, code2), "ResyncMFADevice with a clock 5 minutes ahead")
	wantCode(t, resync(code1, code2), "InvalidAuthenticationCode") // a pair is single use

	// The endpoint now follows the phone: its codes work at that drift, step after step.
	for i := 0; i < 3; i++ {
		srv.Clock().Advance(30 * time.Second)
		mustOK(t, gst(localaws.CodeAt(seed, now().Add(ahead))), fmt.Sprintf("GetSessionToken with drifted code %d", i))
	}
	// ... and the endpoint-time codes no longer do.
	srv.Clock().Advance(30 * time.Second)
	wantCode(t, gst(localaws.CodeAt(seed, now())), "AccessDenied")

	t.Run("device not assigned to the user", func(t *testing.T) {
		spare, spareSeed := newVirtualMFA(t, dave, "spare")
		_, err := dave.ResyncMFADevice(wireCtx, &iam.ResyncMFADeviceInput{UserName: aws.String("dave"), SerialNumber: aws.String(spare),
			AuthenticationCode1: aws.String(localaws.CodeAt(spareSeed, now())), AuthenticationCode2: aws.String(localaws.CodeAt(spareSeed, now().Add(30*time.Second)))})
		wantCode(t, err, "NoSuchEntity")
	})
}

func TestDeactivateAndDeleteMFADevice(t *testing.T) {
	srv, url := newTestEndpoint(t)
	dave, id, secret := iamUserWithKey(t, srv, url, "dave", "", adminPolicy)
	serial, seed := newVirtualMFA(t, dave, "dave")
	_, err := dave.EnableMFADevice(wireCtx, &iam.EnableMFADeviceInput{UserName: aws.String("dave"), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(localaws.CodeAt(seed, srv.Clock().Now())),
		AuthenticationCode2: aws.String(localaws.CodeAt(seed, srv.Clock().Now().Add(30*time.Second)))})
	mustOK(t, err, "EnableMFADevice")

	_, err = dave.DeleteVirtualMFADevice(wireCtx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
	wantCode(t, err, "DeleteConflict")
	wantTyped[*types.DeleteConflictException](t, err)

	_, err = dave.DeactivateMFADevice(wireCtx, &iam.DeactivateMFADeviceInput{SerialNumber: aws.String(serial)})
	mustOK(t, err, "DeactivateMFADevice")
	lm, err := dave.ListMFADevices(wireCtx, &iam.ListMFADevicesInput{})
	mustOK(t, err, "ListMFADevices")
	if len(lm.MFADevices) != 0 {
		t.Errorf("after deactivation ListMFADevices = %+v", lm.MFADevices)
	}
	lv, err := dave.ListVirtualMFADevices(wireCtx, &iam.ListVirtualMFADevicesInput{AssignmentStatus: types.AssignmentStatusTypeUnassigned})
	mustOK(t, err, "ListVirtualMFADevices")
	if len(lv.VirtualMFADevices) != 1 || aws.ToString(lv.VirtualMFADevices[0].SerialNumber) != serial {
		t.Errorf("the deactivated device should be listed as unassigned, got %+v", lv.VirtualMFADevices)
	}
	// The device no longer authenticates the user.
	_, err = stsClient(t, url, id, secret, "").GetSessionToken(wireCtx, &sts.GetSessionTokenInput{
		SerialNumber: aws.String(serial), TokenCode: aws.String(nextCode(srv, seed))})
	wantCode(t, err, "AccessDenied")

	_, err = dave.DeactivateMFADevice(wireCtx, &iam.DeactivateMFADeviceInput{SerialNumber: aws.String(serial)})
	wantCode(t, err, "NoSuchEntity")

	_, err = dave.DeleteVirtualMFADevice(wireCtx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
	mustOK(t, err, "DeleteVirtualMFADevice")
	_, err = dave.DeleteVirtualMFADevice(wireCtx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
	wantCode(t, err, "NoSuchEntity")
	wantTyped[*types.NoSuchEntityException](t, err)
	lv, err = dave.ListVirtualMFADevices(wireCtx, &iam.ListVirtualMFADevicesInput{})
	mustOK(t, err, "ListVirtualMFADevices")
	if len(lv.VirtualMFADevices) != 0 {
		t.Errorf("deleted device still listed: %+v", lv.VirtualMFADevices)
	}
	// The name is free again.
	newVirtualMFA(t, dave, "dave")
}
