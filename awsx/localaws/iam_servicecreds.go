package localaws

import (
	"sort"
)

// maxServiceCredsPerService: IAM allows two service-specific credentials per user and service.
const maxServiceCredsPerService = 2

// supportedServiceNames are the services IAM issues service-specific credentials for.
var supportedServiceNames = map[string]bool{
	"codecommit.amazonaws.com": true,
	"cassandra.amazonaws.com":  true,
	"bedrock.amazonaws.com":    true,
}

type xmlServiceCredMetadata struct {
	UserName                    string `xml:"UserName"`
	Status                      string `xml:"Status"`
	ServiceUserName             string `xml:"ServiceUserName"`
	CreateDate                  string `xml:"CreateDate"`
	ServiceSpecificCredentialId string `xml:"ServiceSpecificCredentialId"`
	ServiceName                 string `xml:"ServiceName"`
}

type xmlServiceCred struct {
	CreateDate                  string `xml:"CreateDate"`
	ServiceName                 string `xml:"ServiceName"`
	ServiceUserName             string `xml:"ServiceUserName"`
	ServicePassword             string `xml:"ServicePassword"`
	ServiceSpecificCredentialId string `xml:"ServiceSpecificCredentialId"`
	UserName                    string `xml:"UserName"`
	Status                      string `xml:"Status"`
}

func (s *Server) serviceCredsOf(u *user, service string) []*serviceCred {
	var out []*serviceCred
	for _, c := range s.st.serviceCreds {
		if c.userName == u.name && (service == "" || c.serviceName == service) {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// newServicePassword returns a password shaped like IAM's (44 characters).
func newServicePassword() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
	return randomString(alphabet[:64], 44)
}

func (s *Server) serviceCredResult(c *serviceCred, password string) any {
	return struct {
		ServiceSpecificCredential xmlServiceCred `xml:"ServiceSpecificCredential"`
	}{xmlServiceCred{isoTime(c.created), c.serviceName, c.serviceUserName, password, c.id, c.userName, statusOf(c.active)}}
}

func (s *Server) createServiceSpecificCredential(q *request) (any, *apiError) {
	u, aerr := s.authorizeUser(q, "iam:CreateServiceSpecificCredential")
	if aerr != nil {
		return nil, aerr
	}
	svc := q.get("ServiceName")
	if !supportedServiceNames[svc] {
		return nil, errf(400, "NotSupportedService", "The specified service %s is not supported for service-specific credentials.", svc)
	}
	if len(s.serviceCredsOf(u, svc)) >= maxServiceCredsPerService {
		return nil, limitExceeded("Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: %d", maxServiceCredsPerService)
	}
	pw := newServicePassword()
	c := &serviceCred{id: newID("ACCA") + randomString("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 1), userName: u.name, serviceName: svc,
		serviceUserName: u.name + "-at-" + s.st.accountID, passwordHash: hashSecret(pw), active: true, created: s.clock.Now()}
	s.st.serviceCreds[c.id] = c
	return s.serviceCredResult(c, pw), nil
}

func (s *Server) listServiceSpecificCredentials(q *request) (any, *apiError) {
	u, aerr := s.authorizeUser(q, "iam:ListServiceSpecificCredentials")
	if aerr != nil {
		return nil, aerr
	}
	out := []xmlServiceCredMetadata{}
	for _, c := range s.serviceCredsOf(u, q.get("ServiceName")) {
		out = append(out, xmlServiceCredMetadata{u.name, statusOf(c.active), c.serviceUserName, isoTime(c.created), c.id, c.serviceName})
	}
	return struct {
		ServiceSpecificCredentials []xmlServiceCredMetadata `xml:"ServiceSpecificCredentials>member"`
	}{out}, nil
}

// userServiceCred finds one of the target user's credentials by id.
func (s *Server) userServiceCred(q *request, action string) (*serviceCred, *apiError) {
	u, aerr := s.authorizeUser(q, action)
	if aerr != nil {
		return nil, aerr
	}
	id := q.get("ServiceSpecificCredentialId")
	c := s.st.serviceCreds[id]
	if c == nil || c.userName != u.name {
		return nil, noSuchEntity("No such credential %s exists for user %s.", id, u.name)
	}
	return c, nil
}

func (s *Server) resetServiceSpecificCredential(q *request) (any, *apiError) {
	c, aerr := s.userServiceCred(q, "iam:ResetServiceSpecificCredential")
	if aerr != nil {
		return nil, aerr
	}
	pw := newServicePassword()
	c.passwordHash = hashSecret(pw)
	return s.serviceCredResult(c, pw), nil
}

func (s *Server) updateServiceSpecificCredential(q *request) (any, *apiError) {
	c, aerr := s.userServiceCred(q, "iam:UpdateServiceSpecificCredential")
	if aerr != nil {
		return nil, aerr
	}
	switch q.get("Status") {
	case "Active":
		c.active = true
	case "Inactive":
		c.active = false
	default:
		return nil, validationError("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", q.get("Status"))
	}
	return nil, nil
}

func (s *Server) deleteServiceSpecificCredential(q *request) (any, *apiError) {
	c, aerr := s.userServiceCred(q, "iam:DeleteServiceSpecificCredential")
	if aerr != nil {
		return nil, aerr
	}
	delete(s.st.serviceCreds, c.id)
	return nil, nil
}
