package localaws_test

// Conformance against moto: the same aws-sdk-go-v2 calls are replayed against a moto server and against
// localaws, and each answer is reduced to its SHAPE — the set of output fields that are set. Behaviour
// differs on purpose (moto checks no MFA code and evaluates no policy; localaws does both), so localaws
// runs the flow as the forced-MFA demo user while moto runs it as a plain user. Shapes must not differ:
// every field moto fills in must be filled in by localaws too, apart from the documented moto quirks in
// motoQuirks, and the error codes of the shared failure cases must match.
//
// Helpers here are prefixed "moto" to keep them apart from the other wire tests' helpers.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
)

// motoAccount is the account moto models when given any credentials.
const motoAccount = "123456789012"

// motoQuirks are fields moto fills in that AWS does not, per call; localaws follows AWS, so their absence
// is logged, not failed.
var motoQuirks = map[string]map[string]string{
	// moto always answers PackedPolicySize 6; AWS sends it only when session policies or tags are passed.
	"AssumeRole": {"PackedPolicySize": "moto always sends PackedPolicySize; AWS only with session policies/tags"},
	// moto serializes its whole device object; AWS reveals a seed and QR code only once, at creation.
	"ListVirtualMFADevices": {
		"VirtualMFADevices[].Base32StringSeed": "moto lists the seed; AWS reveals it only in CreateVirtualMFADevice",
		"VirtualMFADevices[].QRCodePNG":        "moto lists the QR code; AWS reveals it only in CreateVirtualMFADevice",
	},
}

// motoWantErr are the error codes both endpoints must answer for the flow's failing calls.
var motoWantErr = map[string]string{
	"CreateAccessKey (third key)":  "LimitExceeded",
	"DeleteAccessKey (unknown id)": "NoSuchEntity",
}

// TestConformanceMoto replays one self-service flow on moto and on localaws and compares the shapes.
func TestConformanceMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a moto server")
	}
	motoURL := motoStart(t)

	motoSide := motoSetupMoto(t, motoURL)
	localSide := motoSetupLocal(t)

	motoRes := motoRunFlow(t, motoSide)
	localRes := motoRunFlow(t, localSide)

	for _, call := range motoRes.order {
		mShape, lShape := motoRes.shapes[call], localRes.shapes[call]
		lSet := map[string]bool{}
		for _, p := range lShape {
			lSet[p] = true
		}
		var missing, quirks []string
		for _, p := range mShape {
			if lSet[p] {
				continue
			}
			if why, ok := motoQuirks[call][p]; ok {
				quirks = append(quirks, p+" ("+why+")")
				continue
			}
			missing = append(missing, p)
		}
		mSet := map[string]bool{}
		for _, p := range mShape {
			mSet[p] = true
		}
		var extra []string
		for _, p := range lShape {
			if !mSet[p] {
				extra = append(extra, p)
			}
		}
		if len(missing) > 0 {
			t.Errorf("%s: moto sets %v, localaws does not\n  moto:     %v\n  localaws: %v", call, missing, mShape, lShape)
		}
		if len(quirks) > 0 {
			t.Logf("%s: known moto-only fields, not in AWS: %v", call, quirks)
		}
		if len(extra) > 0 {
			t.Logf("%s: localaws also sets %v (moto does not)", call, extra)
		}
		t.Logf("%s: moto sets %v", call, mShape)
	}
	for _, call := range motoRes.errOrder {
		m, l, want := motoRes.errs[call], localRes.errs[call], motoWantErr[call]
		if m != want || l != want {
			t.Errorf("%s: moto answers %s, localaws %s, want %s on both", call, m, l, want)
		} else {
			t.Logf("%s: %s on both", call, want)
		}
	}
}

// motoSide is one endpoint and what the flow needs to act on it as the user.
type motoSide struct {
	name     string
	url      string
	long     aws.Credentials // the user's long-term key (the user then has exactly one key)
	userName string
	roleARN  string
	// enableCodes returns two consecutive codes for EnableMFADevice; sessionCode the next code after them.
	enableCodes func(seed string) (string, string)
	sessionCode func(seed string) string
}

// motoResult is what one flow saw: the shape of every successful call and the code of every expected error.
type motoResult struct {
	order    []string
	shapes   map[string][]string
	errOrder []string
	errs     map[string]string
}

func (r *motoResult) shape(call string, out any) {
	r.order = append(r.order, call)
	r.shapes[call] = motoShape(out)
}

func (r *motoResult) err(call string, err error) {
	r.errOrder = append(r.errOrder, call)
	r.errs[call] = motoErrCode(err)
}

// motoRunFlow runs the same calls on one side. Calls that must succeed fail the test when they do not.
func motoRunFlow(t *testing.T, s motoSide) *motoResult {
	t.Helper()
	ctx := context.Background()
	res := &motoResult{shapes: map[string][]string{}, errs: map[string]string{}}
	must := func(call string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %s: %v", s.name, call, err)
		}
	}
	iamLong, stsLong := motoIAM(s.url, s.long), motoSTS(s.url, s.long)

	gci, err := stsLong.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must("GetCallerIdentity", err)
	if want := ":user/" + s.userName; !strings.HasSuffix(aws.ToString(gci.Arn), want) {
		t.Errorf("%s: GetCallerIdentity Arn = %q, want suffix %q", s.name, aws.ToString(gci.Arn), want)
	}
	res.shape("GetCallerIdentity", gci)

	vmfa, err := iamLong.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(s.userName)})
	must("CreateVirtualMFADevice", err)
	dev := vmfa.VirtualMFADevice
	if dev == nil || aws.ToString(dev.SerialNumber) == "" || len(dev.Base32StringSeed) == 0 || len(dev.QRCodePNG) == 0 {
		t.Fatalf("%s: CreateVirtualMFADevice: want SerialNumber, Base32StringSeed and QRCodePNG set, got %+v", s.name, dev)
	}
	res.shape("CreateVirtualMFADevice", vmfa)
	serial, seed := aws.ToString(dev.SerialNumber), string(dev.Base32StringSeed)

	c1, c2 := s.enableCodes(seed)
	en, err := iamLong.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String(s.userName), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)})
	must("EnableMFADevice", err)
	res.shape("EnableMFADevice", en)

	lmfa, err := iamLong.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String(s.userName)})
	must("ListMFADevices", err)
	if len(lmfa.MFADevices) != 1 || aws.ToString(lmfa.MFADevices[0].SerialNumber) != serial {
		t.Errorf("%s: ListMFADevices = %+v, want the one device %s", s.name, lmfa.MFADevices, serial)
	}
	res.shape("ListMFADevices", lmfa)

	lv, err := iamLong.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{})
	must("ListVirtualMFADevices", err)
	res.shape("ListVirtualMFADevices", lv)

	gst, err := stsLong.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(s.sessionCode(seed))})
	must("GetSessionToken", err)
	c := gst.Credentials
	if c == nil || aws.ToString(c.AccessKeyId) == "" || aws.ToString(c.SecretAccessKey) == "" || aws.ToString(c.SessionToken) == "" || c.Expiration == nil {
		t.Fatalf("%s: GetSessionToken: want every Credentials field set, got %+v", s.name, c)
	}
	if !c.Expiration.After(time.Now()) {
		t.Errorf("%s: GetSessionToken Expiration %v is not in the future", s.name, c.Expiration)
	}
	res.shape("GetSessionToken", gst)
	session := aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}
	iamS, stsS := motoIAM(s.url, session), motoSTS(s.url, session)

	ck, err := iamS.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(s.userName)})
	must("CreateAccessKey", err)
	res.shape("CreateAccessKey", ck)
	newKey := aws.ToString(ck.AccessKey.AccessKeyId)

	_, err = iamS.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(s.userName)})
	if err == nil {
		t.Fatalf("%s: a third CreateAccessKey succeeded, want LimitExceeded", s.name)
	}
	res.err("CreateAccessKey (third key)", err)

	lk, err := iamS.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(s.userName)})
	must("ListAccessKeys", err)
	if len(lk.AccessKeyMetadata) != 2 {
		t.Errorf("%s: ListAccessKeys lists %d keys, want 2", s.name, len(lk.AccessKeyMetadata))
	}
	res.shape("ListAccessKeys", lk)

	uk, err := iamS.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String(s.userName), AccessKeyId: aws.String(newKey), Status: iamtypes.StatusTypeInactive})
	must("UpdateAccessKey", err)
	res.shape("UpdateAccessKey", uk)

	lk2, err := iamS.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(s.userName)})
	must("ListAccessKeys after UpdateAccessKey", err)
	for _, k := range lk2.AccessKeyMetadata {
		if aws.ToString(k.AccessKeyId) == newKey && k.Status != iamtypes.StatusTypeInactive {
			t.Errorf("%s: key %s is %s after UpdateAccessKey Inactive", s.name, newKey, k.Status)
		}
	}

	dk, err := iamS.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(s.userName), AccessKeyId: aws.String(newKey)})
	must("DeleteAccessKey", err)
	res.shape("DeleteAccessKey", dk)

	_, err = iamS.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(s.userName), AccessKeyId: aws.String("AKIAIOSFODNN7EXAMPLE")})
	if err == nil {
		t.Fatalf("%s: DeleteAccessKey of an unknown id succeeded, want NoSuchEntity", s.name)
	}
	res.err("DeleteAccessKey (unknown id)", err)

	ar, err := stsS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(s.roleARN), RoleSessionName: aws.String("conformance")})
	must("AssumeRole", err)
	if ar.Credentials == nil || ar.AssumedRoleUser == nil || !strings.HasSuffix(aws.ToString(ar.AssumedRoleUser.Arn), "/conformance") {
		t.Errorf("%s: AssumeRole = %+v, want Credentials and an AssumedRoleUser .../conformance", s.name, ar)
	}
	res.shape("AssumeRole", ar)
	return res
}

// motoSetupMoto prepares moto: a user with one access key, and a role it may assume.
func motoSetupMoto(t *testing.T, url string) motoSide {
	t.Helper()
	ctx := context.Background()
	root := motoIAM(url, aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"})
	const user = "alice"
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
		t.Fatalf("moto: CreateUser: %v", err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatalf("moto: CreateAccessKey: %v", err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + motoAccount +
		`:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`
	role, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("iam-role-admin"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatalf("moto: CreateRole: %v", err)
	}
	return motoSide{
		name:        "moto",
		url:         url,
		long:        aws.Credentials{AccessKeyID: *key.AccessKey.AccessKeyId, SecretAccessKey: *key.AccessKey.SecretAccessKey},
		userName:    user,
		roleARN:     aws.ToString(role.Role.Arn),
		enableCodes: func(string) (string, string) { return "123456", "654321" }, // moto checks no code
		sessionCode: func(string) string { return "135790" },
	}
}

// motoSetupLocal prepares localaws: the demo account (new-user scenario) with its clock frozen a few seconds
// into a TOTP step, so codes are computed exactly.
func motoSetupLocal(t *testing.T) motoSide {
	t.Helper()
	srv := localaws.New(localaws.Options{})
	now := time.Now().UTC().Truncate(30 * time.Second).Add(5 * time.Second)
	srv.Clock().Set(now)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("localaws: Start: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	seeded, err := srv.Seed(localaws.ScenarioNewUser)
	if err != nil {
		t.Fatalf("localaws: Seed: %v", err)
	}
	return motoSide{
		name:     "localaws",
		url:      url,
		long:     aws.Credentials{AccessKeyID: seeded.AccessKeyID, SecretAccessKey: seeded.SecretAccessKey},
		userName: seeded.UserName,
		roleARN:  seeded.Roles["iam-role-admin"],
		// The previous step's code and the current one, as a user types two consecutive codes.
		enableCodes: func(seed string) (string, string) {
			return localaws.CodeAt(seed, now.Add(-30*time.Second)), localaws.CodeAt(seed, now)
		},
		// Both codes are spent: wait for the next step, as the user would.
		sessionCode: func(seed string) string {
			srv.Clock().Advance(30 * time.Second)
			return localaws.CodeAt(seed, srv.Clock().Now())
		},
	}
}

// motoIAM and motoSTS are SDK clients for url that never retry, so each call is one request.
func motoIAM(url string, c aws.Credentials) *iam.Client {
	return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken), RetryMaxAttempts: 1, HTTPClient: awsx.HTTPClient()})
}

func motoSTS(url string, c aws.Credentials) *sts.Client {
	return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken), RetryMaxAttempts: 1, HTTPClient: awsx.HTTPClient()})
}

// motoErrCode is the API error code of err, or a description when err is not an API error.
func motoErrCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return fmt.Sprintf("non-API error: %v", err)
}

// motoShape returns the sorted field paths of an SDK output that are set (non-nil, non-zero), e.g.
// "Credentials.AccessKeyId" or "AccessKeyMetadata[].Status". ResultMetadata and unexported fields
// (noSmithyDocumentSerde) are ignored; a list contributes the union of its elements' paths.
func motoShape(v any) []string {
	set := map[string]bool{}
	motoWalk(reflect.ValueOf(v), "", set)
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

var motoTimeType = reflect.TypeOf(time.Time{})

func motoWalk(v reflect.Value, path string, set map[string]bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch {
	case v.Type() == motoTimeType:
		if !v.Interface().(time.Time).IsZero() {
			set[path] = true
		}
	case v.Kind() == reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Name == "ResultMetadata" {
				continue
			}
			motoWalk(v.Field(i), motoJoin(path, f.Name), set)
		}
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8: // a blob
		if v.Len() > 0 {
			set[path] = true
		}
	case v.Kind() == reflect.Slice || v.Kind() == reflect.Array:
		for i := 0; i < v.Len(); i++ {
			motoWalk(v.Index(i), path+"[]", set)
		}
	case v.Kind() == reflect.Map:
		if v.Len() > 0 {
			set[path] = true
		}
	default:
		if !v.IsZero() {
			set[path] = true
		}
	}
}

func motoJoin(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// TestMotoShape pins the shape helper itself, without moto.
func TestMotoShape(t *testing.T) {
	exp := time.Now()
	if got := motoShape(&sts.AssumeRoleOutput{}); len(got) != 0 {
		t.Errorf("empty output shape = %v, want none", got)
	}
	lk := &iam.ListAccessKeysOutput{AccessKeyMetadata: []iamtypes.AccessKeyMetadata{
		{AccessKeyId: aws.String("AKIA1"), Status: iamtypes.StatusTypeActive},
		{AccessKeyId: aws.String("AKIA2"), CreateDate: &exp},
	}}
	want := []string{"AccessKeyMetadata[].AccessKeyId", "AccessKeyMetadata[].CreateDate", "AccessKeyMetadata[].Status"}
	if got := motoShape(lk); !reflect.DeepEqual(got, want) {
		t.Errorf("ListAccessKeys shape = %v, want %v", got, want)
	}
	vm := &iam.CreateVirtualMFADeviceOutput{VirtualMFADevice: &iamtypes.VirtualMFADevice{SerialNumber: aws.String("arn"), QRCodePNG: []byte{1}}}
	want = []string{"VirtualMFADevice.QRCodePNG", "VirtualMFADevice.SerialNumber"}
	if got := motoShape(vm); !reflect.DeepEqual(got, want) {
		t.Errorf("CreateVirtualMFADevice shape = %v, want %v", got, want)
	}
}

// motoStart starts `python3 -m moto.server` on a free loopback port, waits until it answers and stops it at
// cleanup. Without python3 or moto the test is skipped, except on CI, where it fails.
func motoStart(t *testing.T) string {
	t.Helper()
	unavailable := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("moto is required on CI: "+format, args...)
		}
		t.Skipf("moto unavailable: "+format, args...)
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		unavailable("no python3 on PATH")
	}
	if out, err := exec.Command(python, "-c", "import moto.server").CombinedOutput(); err != nil {
		unavailable("python3 -c 'import moto.server': %v: %s", err, strings.TrimSpace(string(out)))
	}
	port := motoFreePort(t)
	cmd := exec.Command(python, "-m", "moto.server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	var logBuf motoLog
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := client.Get(url + "/moto-api/")
		if err == nil {
			_ = resp.Body.Close()
			return url
		}
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("moto exited before answering: %v\n%s", err, logBuf.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto did not answer on %s within 20s: %v\n%s", url, err, logBuf.String())
		}
	}
}

// motoFreePort picks a free loopback port: listen on port 0, note it, close, and let moto reuse it.
func motoFreePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// motoLog collects moto's output for failure messages; it is written by the process's copy goroutines.
type motoLog struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *motoLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf.Len() < 64<<10 {
		l.buf.Write(p)
	}
	return len(p), nil
}

func (l *motoLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
