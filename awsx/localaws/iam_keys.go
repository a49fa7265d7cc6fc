package localaws

import (
	"net/http"
	"sort"
)

// maxAccessKeysPerUser: IAM's quota; inactive keys count.
const maxAccessKeysPerUser = 2

type xmlAccessKeyMetadata struct {
	UserName    string `xml:"UserName"`
	AccessKeyId string `xml:"AccessKeyId"`
	Status      string `xml:"Status"`
	CreateDate  string `xml:"CreateDate"`
}

func statusOf(active bool) string {
	if active {
		return "Active"
	}
	return "Inactive"
}

func (s *Server) keysOf(u *user) []*accessKey {
	var out []*accessKey
	for _, k := range s.st.accessKeys {
		if k.userName == u.name {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].created.Equal(out[j].created) {
			return out[i].created.Before(out[j].created)
		}
		return out[i].id < out[j].id
	})
	return out
}

// addAccessKey creates a key for u; new keys are rejected by authentication until the propagation delay passes.
func (s *Server) addAccessKey(u *user) *accessKey {
	now := s.clock.Now()
	k := &accessKey{id: newID("AKIA"), secret: newSecret(), userName: u.name, active: true, created: now,
		usableAt: now.Add(s.opts.KeyPropagationDelay)}
	s.st.accessKeys[k.id] = k
	return k
}

func (s *Server) createAccessKey(q *request) (any, *apiError) {
	u, aerr := s.authorizeUser(q, "iam:CreateAccessKey")
	if aerr != nil {
		return nil, aerr
	}
	if len(s.keysOf(u)) >= maxAccessKeysPerUser {
		return nil, limitExceeded("Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeysPerUser)
	}
	k := s.addAccessKey(u)
	type xmlAccessKey struct {
		UserName        string `xml:"UserName"`
		AccessKeyId     string `xml:"AccessKeyId"`
		Status          string `xml:"Status"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		CreateDate      string `xml:"CreateDate"`
	}
	return struct {
		AccessKey xmlAccessKey `xml:"AccessKey"`
	}{xmlAccessKey{u.name, k.id, "Active", k.secret, isoTime(k.created)}}, nil
}

func (s *Server) listAccessKeys(q *request) (any, *apiError) {
	u, aerr := s.authorizeUser(q, "iam:ListAccessKeys")
	if aerr != nil {
		return nil, aerr
	}
	out := []xmlAccessKeyMetadata{}
	for _, k := range s.keysOf(u) {
		out = append(out, xmlAccessKeyMetadata{u.name, k.id, statusOf(k.active), isoTime(k.created)})
	}
	return struct {
		AccessKeyMetadata []xmlAccessKeyMetadata `xml:"AccessKeyMetadata>member"`
		IsTruncated       bool                   `xml:"IsTruncated"`
	}{out, false}, nil
}

// userKey finds a key of the target user; IAM reports another user's key as not found.
func (s *Server) userKey(q *request, action string) (*accessKey, *apiError) {
	u, aerr := s.authorizeUser(q, action)
	if aerr != nil {
		return nil, aerr
	}
	id := q.get("AccessKeyId")
	if len(id) < 16 || len(id) > 128 {
		return nil, validationError("1 validation error detected: Value '%s' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16", id)
	}
	k := s.st.accessKeys[id]
	if k == nil || k.userName != u.name {
		return nil, noSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	return k, nil
}

func (s *Server) updateAccessKey(q *request) (any, *apiError) {
	k, aerr := s.userKey(q, "iam:UpdateAccessKey")
	if aerr != nil {
		return nil, aerr
	}
	switch q.get("Status") {
	case "Active":
		k.active = true
	case "Inactive":
		k.active = false
	default:
		return nil, validationError("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", q.get("Status"))
	}
	return nil, nil
}

func (s *Server) deleteAccessKey(q *request) (any, *apiError) {
	k, aerr := s.userKey(q, "iam:DeleteAccessKey")
	if aerr != nil {
		return nil, aerr
	}
	delete(s.st.accessKeys, k.id)
	return nil, nil
}

// getAccessKeyLastUsed: the resource is the key's owner, found from the key id (the call takes no UserName).
func (s *Server) getAccessKeyLastUsed(q *request) (any, *apiError) {
	id := q.get("AccessKeyId")
	k := s.st.accessKeys[id]
	owner := "*"
	if k != nil {
		owner = "arn:aws:iam::" + s.st.accountID + ":user/" + k.userName
	}
	if aerr := s.authorize(q.caller, "iam:GetAccessKeyLastUsed", owner, nil); aerr != nil {
		return nil, aerr
	}
	if k == nil {
		return nil, errf(http.StatusForbidden, "AccessDenied", "The Access Key with id %s cannot be found.", id)
	}
	type xmlLastUsed struct {
		LastUsedDate string `xml:"LastUsedDate,omitempty"`
		ServiceName  string `xml:"ServiceName"`
		Region       string `xml:"Region"`
	}
	lu := xmlLastUsed{ServiceName: "N/A", Region: "N/A"}
	if !k.lastUsed.IsZero() {
		lu = xmlLastUsed{LastUsedDate: isoTime(k.lastUsed), ServiceName: k.lastService, Region: k.lastRegion}
	}
	return struct {
		UserName          string      `xml:"UserName"`
		AccessKeyLastUsed xmlLastUsed `xml:"AccessKeyLastUsed"`
	}{k.userName, lu}, nil
}
