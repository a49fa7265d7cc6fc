package localaws

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"time"

	"rsc.io/qr"
)

// maxMFADevicesPerUser: IAM allows up to 8 MFA devices per user.
const maxMFADevicesPerUser = 8

// resyncWindow is how many steps ResyncMFADevice searches either side: it exists for drifted clocks.
const resyncWindow = 20

// validPath checks IAM's path pattern, (\u002F)|(\u002F[\u0021-\u007E]+\u002F), and its 512-character limit.
func validPath(p string) bool {
	if len(p) == 0 || len(p) == 2 || len(p) > 512 || p[0] != '/' || p[len(p)-1] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x21 || p[i] > 0x7E {
			return false
		}
	}
	return true
}

// validateAuthCodes checks AuthenticationCode1/2 against IAM's input constraint (six digits). Like every
// input validation it comes before authorization.
func validateAuthCodes(q *request) *apiError {
	for _, name := range []string{"AuthenticationCode1", "AuthenticationCode2"} {
		v := q.get(name)
		switch {
		case len(v) < 6:
			return validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to 6", v, lowerFirst(name))
		case len(v) > 6:
			return validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to 6", v, lowerFirst(name))
		case !isSixDigits(v):
			return validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]+", v, lowerFirst(name))
		}
	}
	return nil
}

type xmlMFADevice struct {
	UserName     string `xml:"UserName"`
	SerialNumber string `xml:"SerialNumber"`
	EnableDate   string `xml:"EnableDate"`
}

type xmlVirtualMFADevice struct {
	SerialNumber     string   `xml:"SerialNumber"`
	Base32StringSeed string   `xml:"Base32StringSeed,omitempty"`
	QRCodePNG        string   `xml:"QRCodePNG,omitempty"`
	User             *xmlUser `xml:"User,omitempty"`
	EnableDate       string   `xml:"EnableDate,omitempty"`
}

func (s *Server) createVirtualMFADevice(q *request) (any, *apiError) {
	name, path := q.get("VirtualMFADeviceName"), q.get("Path")
	if path == "" {
		path = "/"
	}
	if name == "" || !validName(name, 1, 226, "+=,.@-") {
		return nil, validationError("1 validation error detected: Value '%s' at 'virtualMFADeviceName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", name)
	}
	if !validPath(path) {
		return nil, validationError("1 validation error detected: Value '%s' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)", path)
	}
	serial := s.st.mfaARN(path, name)
	if aerr := s.authorize(q.caller, "iam:CreateVirtualMFADevice", serial, nil); aerr != nil {
		return nil, aerr
	}
	if s.st.mfaDevices[serial] != nil {
		return nil, errf(http.StatusConflict, "EntityAlreadyExists", "MFADevice entity at the same path and name already exists.")
	}
	seed := make([]byte, 40)
	if _, err := rand.Read(seed); err != nil {
		return nil, &apiError{Status: http.StatusInternalServerError, Code: "ServiceFailure", Message: "random source failed", Receiver: true}
	}
	secret := base32.StdEncoding.EncodeToString(seed)
	uri := "otpauth://totp/" + url.PathEscape("Amazon Web Services:"+name+"@"+s.st.accountID) +
		"?secret=" + secret + "&issuer=" + url.QueryEscape("Amazon Web Services")
	code, err := qr.Encode(uri, qr.M)
	if err != nil {
		return nil, &apiError{Status: http.StatusInternalServerError, Code: "ServiceFailure", Message: "QR encoding failed", Receiver: true}
	}
	s.st.mfaDevices[serial] = &mfaDevice{serial: serial, name: name, path: path, secret: secret, created: s.clock.Now()}
	return struct {
		VirtualMFADevice xmlVirtualMFADevice `xml:"VirtualMFADevice"`
	}{xmlVirtualMFADevice{
		SerialNumber:     serial,
		Base32StringSeed: base64.StdEncoding.EncodeToString([]byte(secret)),
		QRCodePNG:        base64.StdEncoding.EncodeToString(code.PNG()),
	}}, nil
}

func (s *Server) enableMFADevice(q *request) (any, *apiError) {
	if aerr := validateAuthCodes(q); aerr != nil {
		return nil, aerr
	}
	u, aerr := s.authorizeUser(q, "iam:EnableMFADevice")
	if aerr != nil {
		return nil, aerr
	}
	d := s.st.mfaDevices[q.get("SerialNumber")]
	if d == nil {
		return nil, noSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", q.get("SerialNumber"))
	}
	if d.userName != "" {
		return nil, errf(http.StatusConflict, "EntityAlreadyExists", "MFA Device is already in use.")
	}
	if len(s.devicesOf(u)) >= maxMFADevicesPerUser {
		return nil, limitExceeded("Cannot exceed quota for MFADevicesPerUser: %d", maxMFADevicesPerUser)
	}
	if !d.verifyPair(q.get("AuthenticationCode1"), q.get("AuthenticationCode2"), s.clock.Now(), 1) {
		return nil, errf(http.StatusBadRequest, "InvalidAuthenticationCode", "Authentication code for device is not valid.")
	}
	d.userName, d.enabled = u.name, s.clock.Now()
	return nil, nil
}

func (s *Server) resyncMFADevice(q *request) (any, *apiError) {
	if aerr := validateAuthCodes(q); aerr != nil {
		return nil, aerr
	}
	u, aerr := s.authorizeUser(q, "iam:ResyncMFADevice")
	if aerr != nil {
		return nil, aerr
	}
	d := s.st.mfaDevices[q.get("SerialNumber")]
	if d == nil || d.userName != u.name {
		return nil, noSuchEntity("MFA Device with serial number %s does not exist for user %s.", q.get("SerialNumber"), u.name)
	}
	if !d.verifyPair(q.get("AuthenticationCode1"), q.get("AuthenticationCode2"), s.clock.Now(), resyncWindow) {
		return nil, errf(http.StatusBadRequest, "InvalidAuthenticationCode", "Authentication code for device is not valid.")
	}
	return nil, nil
}

func (s *Server) deactivateMFADevice(q *request) (any, *apiError) {
	u, aerr := s.authorizeUser(q, "iam:DeactivateMFADevice")
	if aerr != nil {
		return nil, aerr
	}
	d := s.st.mfaDevices[q.get("SerialNumber")]
	if d == nil || d.userName != u.name {
		return nil, noSuchEntity("MFA Device with serial number %s does not exist for user %s.", q.get("SerialNumber"), u.name)
	}
	d.userName, d.enabled = "", time.Time{}
	return nil, nil
}

func (s *Server) deleteVirtualMFADevice(q *request) (any, *apiError) {
	serial := q.get("SerialNumber")
	if aerr := s.authorize(q.caller, "iam:DeleteVirtualMFADevice", serial, nil); aerr != nil {
		return nil, aerr
	}
	d := s.st.mfaDevices[serial]
	if d == nil {
		return nil, noSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
	}
	if d.userName != "" {
		return nil, errf(http.StatusConflict, "DeleteConflict", "MFA Device is in use and cannot be deleted.")
	}
	delete(s.st.mfaDevices, serial)
	return nil, nil
}

func (s *Server) listMFADevices(q *request) (any, *apiError) {
	u, aerr := s.authorizeUser(q, "iam:ListMFADevices")
	if aerr != nil {
		return nil, aerr
	}
	out := []xmlMFADevice{}
	for _, d := range s.devicesOf(u) {
		out = append(out, xmlMFADevice{UserName: u.name, SerialNumber: d.serial, EnableDate: isoTime(d.enabled)})
	}
	return struct {
		MFADevices  []xmlMFADevice `xml:"MFADevices>member"`
		IsTruncated bool           `xml:"IsTruncated"`
	}{out, false}, nil
}

func (s *Server) listVirtualMFADevices(q *request) (any, *apiError) {
	if aerr := s.authorize(q.caller, "iam:ListVirtualMFADevices", "*", nil); aerr != nil {
		return nil, aerr
	}
	status := q.get("AssignmentStatus")
	switch status {
	case "", "Any", "Assigned", "Unassigned":
	default:
		return nil, validationError("1 validation error detected: Value '%s' at 'assignmentStatus' failed to satisfy constraint: Member must satisfy enum value set: [Unassigned, Any, Assigned]", status)
	}
	out := []xmlVirtualMFADevice{}
	for _, d := range s.sortedDevices() {
		assigned := d.userName != ""
		if (status == "Assigned" && !assigned) || (status == "Unassigned" && assigned) {
			continue
		}
		x := xmlVirtualMFADevice{SerialNumber: d.serial}
		if u := s.st.users[d.userName]; assigned && u != nil {
			x.User = &xmlUser{Path: u.path, UserName: u.name, UserId: u.id, Arn: s.st.userARN(u), CreateDate: isoTime(u.created)}
			x.EnableDate = isoTime(d.enabled)
		}
		out = append(out, x)
	}
	return struct {
		VirtualMFADevices []xmlVirtualMFADevice `xml:"VirtualMFADevices>member"`
		IsTruncated       bool                  `xml:"IsTruncated"`
	}{out, false}, nil
}

// devicesOf returns the MFA devices assigned to u, oldest first.
func (s *Server) devicesOf(u *user) []*mfaDevice {
	var out []*mfaDevice
	for _, d := range s.sortedDevices() {
		if d.userName == u.name {
			out = append(out, d)
		}
	}
	return out
}

func (s *Server) sortedDevices() []*mfaDevice {
	out := make([]*mfaDevice, 0, len(s.st.mfaDevices))
	for _, d := range s.st.mfaDevices {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].serial < out[j].serial })
	return out
}
