package localaws

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Fault is an injected misbehaviour for one action: latency, an error answer, or both.
type Fault struct {
	// Code is the AWS error code to answer with ("Throttling", "ServiceUnavailable", ...); empty: no error.
	Code    string        `json:"code,omitempty"`
	Status  int           `json:"status,omitempty"`  // default 400 for Throttling, 503 for ServiceUnavailable, 500 otherwise
	Message string        `json:"message,omitempty"` // default: a generic message for the code
	Latency time.Duration `json:"latency,omitempty"` // added before answering
	// Times the fault fires before it is removed; 0 means until cleared.
	Times int `json:"times,omitempty"`
}

func (f *Fault) status() int {
	switch {
	case f.Status != 0:
		return f.Status
	case f.Code == "Throttling":
		return http.StatusBadRequest
	case f.Code == "ServiceUnavailable":
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func (f *Fault) message() string {
	switch {
	case f.Message != "":
		return f.Message
	case f.Code == "Throttling":
		return "Rate exceeded"
	}
	return "Injected fault " + f.Code
}

// InjectFault makes action ("GetSessionToken", or "*" for every action) misbehave; it replaces any
// earlier fault for that action.
func (s *Server) InjectFault(action string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[action] = &f
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string]*Fault{}
}

func (s *Server) takeFault(action string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range []string{action, "*"} {
		f := s.faults[key]
		if f == nil {
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				delete(s.faults, key)
			}
		}
		copied := *f
		return &copied
	}
	return nil
}

// callCounter counts calls and errors by action for /_localaws/calls.
type callCounter struct {
	mu     sync.Mutex
	calls  map[string]int
	errors map[string]int
}

func newCallCounter() *callCounter {
	return &callCounter{calls: map[string]int{}, errors: map[string]int{}}
}

func (c *callCounter) add(action string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[action]++
}

func (c *callCounter) addError(action, code string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errors[action+":"+code]++
}

// CallStats is what /_localaws/calls returns: calls by action, and errors by "Action:Code".
type CallStats struct {
	Calls  map[string]int `json:"calls"`
	Errors map[string]int `json:"errors"`
}

// Calls returns a snapshot of the call and error counts.
func (s *Server) Calls() CallStats {
	c := s.calls
	c.mu.Lock()
	defer c.mu.Unlock()
	out := CallStats{Calls: map[string]int{}, Errors: map[string]int{}}
	for k, v := range c.calls {
		out.Calls[k] = v
	}
	for k, v := range c.errors {
		out.Errors[k] = v
	}
	return out
}

// ResetCalls zeroes the counters.
func (s *Server) ResetCalls() {
	c := s.calls
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls, c.errors = map[string]int{}, map[string]int{}
}

// serveCalls: GET returns the counts; DELETE resets them.
func (s *Server) serveCalls(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, s.Calls())
	case http.MethodDelete:
		s.ResetCalls()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "GET or DELETE", http.StatusMethodNotAllowed)
	}
}

// serveClock: GET returns the endpoint time; POST {"advance":"90s"} moves it.
func (s *Server) serveClock(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		var in struct {
			Advance string `json:"advance"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil {
			http.Error(w, "body must be {\"advance\":\"<duration>\"}", http.StatusBadRequest)
			return
		}
		d, err := time.ParseDuration(in.Advance)
		if err != nil {
			http.Error(w, "advance: "+err.Error(), http.StatusBadRequest)
			return
		}
		s.clock.Advance(d)
	}
	writeJSON(w, http.StatusOK, map[string]string{"now": s.clock.Now().Format(time.RFC3339)})
}

// serveFaults: POST {"action":"GetSessionToken","fault":{...}} injects; DELETE clears.
func (s *Server) serveFaults(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		var in struct {
			Action string `json:"action"`
			Fault  struct {
				Fault
				Latency string `json:"latency,omitempty"`
			} `json:"fault"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil || in.Action == "" {
			http.Error(w, "body must be {\"action\":\"Name\",\"fault\":{\"code\":\"Throttling\",\"latency\":\"2s\",\"times\":1}}", http.StatusBadRequest)
			return
		}
		f := in.Fault.Fault
		if in.Fault.Latency != "" {
			d, err := time.ParseDuration(in.Fault.Latency)
			if err != nil {
				http.Error(w, "latency: "+err.Error(), http.StatusBadRequest)
				return
			}
			f.Latency = d
		}
		s.InjectFault(in.Action, f)
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "POST or DELETE", http.StatusMethodNotAllowed)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// serveMFACode: GET ?serial=ARN returns the device's current code — the demo's virtual authenticator
// (`kagi demo code`). It exists because this endpoint is a demo and test stand-in; AWS never reveals a seed.
func (s *Server) serveMFACode(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "GET ?serial=ARN", http.StatusMethodNotAllowed)
		return
	}
	serial := r.URL.Query().Get("serial")
	if serial == "" {
		serial = s.onlyDevice()
	}
	secret, ok := s.MFASecret(serial)
	if !ok {
		http.Error(w, "no virtual MFA device with that serial (give ?serial=ARN)", http.StatusNotFound)
		return
	}
	now := s.clock.Now()
	writeJSON(w, http.StatusOK, map[string]any{
		"serial": serial, "code": CodeAt(secret, now), "seconds_left": totpPeriod - now.Unix()%totpPeriod,
	})
}

// onlyDevice returns the serial of the newest MFA device, "" if there is none.
func (s *Server) onlyDevice() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var newest *mfaDevice
	for _, d := range s.st.mfaDevices {
		if newest == nil || d.created.After(newest.created) || (d.created.Equal(newest.created) && d.serial > newest.serial) {
			newest = d
		}
	}
	if newest == nil {
		return ""
	}
	return newest.serial
}
