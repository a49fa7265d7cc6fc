package localaws

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// signinTokenLifetime: a federation sign-in token must be used within 15 minutes.
const signinTokenLifetime = 15 * time.Minute

type signinToken struct {
	cred    *tempCred
	expires time.Time
}

// serveFederation models https://signin.aws.amazon.com/federation: getSigninToken exchanges role session
// credentials for a sign-in token; login checks a token and redirects to the Destination.
func (s *Server) serveFederation(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "federation endpoint accepts GET only", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	s.calls.add("federation:" + q.Get("Action"))
	switch q.Get("Action") {
	case "getSigninToken":
		s.getSigninToken(w, q)
	case "login":
		s.federationLogin(w, r, q)
	default:
		http.Error(w, "Action must be getSigninToken or login", http.StatusBadRequest)
	}
}

func (s *Server) getSigninToken(w http.ResponseWriter, q url.Values) {
	var sess struct {
		SessionID    string `json:"sessionId"`
		SessionKey   string `json:"sessionKey"`
		SessionToken string `json:"sessionToken"`
	}
	if err := json.Unmarshal([]byte(q.Get("Session")), &sess); err != nil {
		http.Error(w, "Session must be a JSON object with sessionId, sessionKey and sessionToken", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.tempCreds[sess.SessionID]
	if t == nil || t.secret != sess.SessionKey || t.token != sess.SessionToken || !s.clock.Now().Before(t.expires) {
		http.Error(w, "The credentials are invalid or expired", http.StatusBadRequest)
		return
	}
	if t.roleName == "" {
		http.Error(w, "Only role session credentials can sign in to the console; GetSessionToken credentials cannot", http.StatusBadRequest)
		return
	}
	if d := q.Get("SessionDuration"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < minSessionSeconds || n > 43200 {
			http.Error(w, "SessionDuration must be between 900 and 43200 seconds", http.StatusBadRequest)
			return
		}
		if t.chained {
			http.Error(w, "SessionDuration cannot be used with credentials from role chaining", http.StatusBadRequest)
			return
		}
	}
	token := randomString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 96)
	s.st.signinTokens[token] = &signinToken{cred: t, expires: s.clock.Now().Add(signinTokenLifetime)}
	writeJSON(w, http.StatusOK, map[string]string{"SigninToken": token})
}

func (s *Server) federationLogin(w http.ResponseWriter, r *http.Request, q url.Values) {
	s.mu.Lock()
	tok := s.st.signinTokens[q.Get("SigninToken")]
	valid := tok != nil && s.clock.Now().Before(tok.expires)
	s.mu.Unlock()
	dest, err := url.Parse(q.Get("Destination"))
	switch {
	case !valid:
		http.Error(w, "The sign-in token is invalid or expired", http.StatusBadRequest)
	case err != nil || dest.Scheme != "https":
		http.Error(w, "Destination must be an https URL", http.StatusBadRequest)
	default:
		http.Redirect(w, r, dest.String(), http.StatusFound)
	}
}
