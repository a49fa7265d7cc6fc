// Package localaws is an embedded, faithful AWS IAM + STS endpoint for kagi's demo and tests.
//
// It speaks the AWS Query protocol over HTTP (form-encoded POST, XML responses and error documents in the
// shapes the SDKs and the AWS CLI parse), verifies every SigV4 signature against the stored secret, checks
// TOTP codes (single use, as AWS does) and evaluates identity and trust policies.
package localaws

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Options configure a Server.
type Options struct {
	// AccountID of the single account the endpoint models. Default "000000000000" (the fixtures' account).
	AccountID string
	// Region reported to clients by `kagi demo serve`. Default "us-east-1".
	Region string
	// KeyPropagationDelay: a new access key is rejected as unknown until this much endpoint time has passed,
	// as AWS takes a few seconds to accept a new key.
	KeyPropagationDelay time.Duration
	// Log receives one line per request (action, caller, outcome); never secrets. Nil: no log.
	Log func(format string, args ...any)
}

// Server is the endpoint. Its zero value is not usable: call New.
type Server struct {
	opts  Options
	clock *Clock
	mu    sync.Mutex // guards st, faults and sourceIP
	st    *state
	calls *callCounter

	faults   map[string]*Fault
	sourceIP string

	requestSeq atomic.Int64
	httpSrv    *http.Server
	listener   net.Listener
}

// New returns an endpoint with an empty account.
func New(opts Options) *Server {
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	return &Server{
		opts:   opts,
		clock:  &Clock{},
		st:     newState(opts.AccountID),
		calls:  newCallCounter(),
		faults: map[string]*Fault{},
	}
}

// Clock returns the endpoint's controllable clock.
func (s *Server) Clock() *Clock { return s.clock }

// AccountID returns the modelled account's id.
func (s *Server) AccountID() string { return s.opts.AccountID }

// Region returns the region clients should use.
func (s *Server) Region() string { return s.opts.Region }

// Start listens on addr, which must be a loopback address ("127.0.0.1:0" picks a free port), and serves
// in the background. It returns the endpoint URL.
func (s *Server) Start(addr string) (string, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", fmt.Errorf("listen address %q: the embedded endpoint listens on loopback only", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen: %w", err)
	}
	s.listener = ln
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.httpSrv.Serve(ln) }()
	return s.URL(), nil
}

// URL returns the endpoint URL once started.
func (s *Server) URL() string {
	if s.listener == nil {
		return ""
	}
	return "http://" + s.listener.Addr().String()
}

// Close stops serving.
func (s *Server) Close() error {
	if s.httpSrv == nil {
		return nil
	}
	return s.httpSrv.Close()
}

// maxBody bounds a request body; IAM's largest documents are a few KB.
const maxBody = 1 << 20

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := s.newRequestID()
	w.Header().Set("X-Amzn-RequestId", requestID)
	// Date is the wall clock, the time signatures are checked against (see wallNow), not the endpoint clock:
	// the SDKs correct their signing time by the skew they read from Date, so an endpoint clock moved for TOTP
	// or expiry would otherwise make every later request of the same client fail with "Signature expired".
	w.Header().Set("Date", s.wallNow().Format(http.TimeFormat))
	switch r.URL.Path {
	case "/_localaws/calls":
		s.serveCalls(w, r)
		return
	case "/_localaws/clock":
		s.serveClock(w, r)
		return
	case "/_localaws/faults":
		s.serveFaults(w, r)
		return
	case "/_localaws/mfa-code":
		s.serveMFACode(w, r)
		return
	case "/federation":
		s.serveFederation(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeError(w, iamXMLNS, requestID, errf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body is too large or could not be read"))
		return
	}
	params, perr := parseParams(r, body)
	if perr != nil {
		writeError(w, iamXMLNS, requestID, perr)
		return
	}
	action := params.Get("Action")
	svc, xmlns := s.serviceFor(r, params)
	s.calls.add(action)
	if f := s.takeFault(action); f != nil {
		if f.Latency > 0 {
			time.Sleep(f.Latency)
		}
		if f.Code != "" {
			s.calls.addError(action, f.Code)
			writeError(w, xmlns, requestID, &apiError{Status: f.status(), Code: f.Code, Message: f.message(), Receiver: f.status() >= 500})
			return
		}
	}
	result, aerr := s.handle(r, body, svc, action, params)
	if aerr != nil {
		s.calls.addError(action, aerr.Code)
		s.logf("%s %s -> %s", svc, action, aerr.Code)
		writeError(w, xmlns, requestID, aerr)
		return
	}
	s.logf("%s %s -> ok", svc, action)
	writeResult(w, xmlns, action, requestID, result)
}

func (s *Server) newRequestID() string {
	n := s.requestSeq.Add(1)
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", time.Now().Unix()&0xffffffff, n)
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Log != nil {
		s.opts.Log(format, args...)
	}
}

// parseParams reads the Query protocol parameters: the form body of a POST, or the URL query of a GET.
func parseParams(r *http.Request, body []byte) (url.Values, *apiError) {
	values := r.URL.Query()
	if r.Method == http.MethodPost {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, errf(http.StatusBadRequest, "MalformedQueryString", "The request body is not a valid form-encoded query string")
		}
		for k, v := range form {
			values[k] = append(values[k], v...)
		}
	} else if r.Method != http.MethodGet {
		return nil, errf(http.StatusMethodNotAllowed, "InvalidAction", "Only GET and POST are supported")
	}
	if values.Get("Action") == "" {
		return nil, errf(http.StatusBadRequest, "MissingAction", "Missing Action")
	}
	return values, nil
}

// serviceFor tells IAM from STS by the credential scope's service, falling back to the API version.
func (s *Server) serviceFor(r *http.Request, params url.Values) (svc, xmlns string) {
	if a, err := parseAuthorization(r); err == nil {
		switch a.service {
		case "sts":
			return "sts", stsXMLNS
		case "iam":
			return "iam", iamXMLNS
		}
	}
	if params.Get("Version") == stsVersion {
		return "sts", stsXMLNS
	}
	return "iam", iamXMLNS
}

// handle authenticates, checks the version, authorizes and runs one action.
func (s *Server) handle(r *http.Request, body []byte, svc, action string, params url.Values) (any, *apiError) {
	want := iamVersion
	if svc == "sts" {
		want = stsVersion
	}
	if v := params.Get("Version"); v != want {
		return nil, errf(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version %s", action, v)
	}
	op, ok := operations[svc][action]
	if !ok {
		return nil, errf(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version %s", action, want)
	}
	a, aerr := parseAuthorization(r)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, aerr := s.authenticate(r, body, a)
	if aerr != nil {
		return nil, aerr
	}
	c.sourceIP = s.requestSourceIP(r)
	req := &request{params: params, caller: c, region: a.region}
	return op(s, req)
}

// request is one authenticated call as the handlers see it.
type request struct {
	params url.Values
	caller *caller
	region string
}

func (q *request) get(name string) string { return q.params.Get(name) }

func (q *request) has(name string) bool { return q.params.Has(name) }

// intParam reads an optional integer parameter; absent gives def.
func (q *request) intParam(name string, def int) (int, *apiError) {
	v := q.params.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be a number", v, lowerFirst(name))
	}
	return n, nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}

// requestSourceIP is the address aws:SourceIp sees: the TCP peer, unless a test set one.
func (s *Server) requestSourceIP(r *http.Request) string {
	if s.sourceIP != "" {
		return s.sourceIP
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// SetSourceIP makes every request appear to come from ip (for aws:SourceIp conditions); "" restores the peer address.
func (s *Server) SetSourceIP(ip string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sourceIP = ip
}

// credsOf builds the SDK credentials a stored secret signs with.
func credsOf(id, secret, token string) aws.Credentials {
	return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token}
}
