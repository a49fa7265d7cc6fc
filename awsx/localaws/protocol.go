package localaws

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"time"
)

const (
	iamXMLNS   = "https://iam.amazonaws.com/doc/2010-05-08/"
	stsXMLNS   = "https://sts.amazonaws.com/doc/2011-06-15/"
	iamVersion = "2010-05-08"
	stsVersion = "2011-06-15"
)

// apiError is an AWS Query protocol error: it becomes an <ErrorResponse> document.
type apiError struct {
	Status  int
	Code    string
	Message string
	// Receiver errors are AWS's fault (Type "Receiver"); everything else is the caller's ("Sender").
	Receiver bool
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func validationError(format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, "ValidationError", format, args...)
}

func noSuchEntity(format string, args ...any) *apiError {
	return errf(http.StatusNotFound, "NoSuchEntity", format, args...)
}

func accessDenied(format string, args ...any) *apiError {
	return errf(http.StatusForbidden, "AccessDenied", format, args...)
}

func limitExceeded(format string, args ...any) *apiError {
	return errf(http.StatusConflict, "LimitExceeded", format, args...)
}

type xmlErrorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	XMLNS     string   `xml:"xmlns,attr"`
	Error     xmlError `xml:"Error"`
	RequestID string   `xml:"RequestId"`
}

type xmlError struct {
	Type    string `xml:"Type"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// writeResult writes <ActionResponse><ActionResult>result</ActionResult><ResponseMetadata/></ActionResponse>.
// result may be nil for actions whose response has no result element (e.g. ChangePassword).
func writeResult(w http.ResponseWriter, xmlns, action, requestID string, result any) {
	type envelope struct {
		XMLName  xml.Name
		XMLNS    string           `xml:"xmlns,attr"`
		Result   any              `xml:",omitempty"`
		Metadata responseMetadata `xml:"ResponseMetadata"`
	}
	env := envelope{XMLName: xml.Name{Local: action + "Response"}, XMLNS: xmlns, Metadata: responseMetadata{requestID}}
	if result != nil {
		env.Result = wrapped{name: action + "Result", v: result}
	}
	writeXML(w, http.StatusOK, env)
}

// wrapped renders v inside an element with a dynamic name.
type wrapped struct {
	name string
	v    any
}

func (w wrapped) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return e.EncodeElement(w.v, xml.StartElement{Name: xml.Name{Local: w.name}})
}

func writeError(w http.ResponseWriter, xmlns, requestID string, ae *apiError) {
	typ := "Sender"
	if ae.Receiver {
		typ = "Receiver"
	}
	writeXML(w, ae.Status, xmlErrorResponse{XMLNS: xmlns, Error: xmlError{Type: typ, Code: ae.Code, Message: ae.Message}, RequestID: requestID})
}

func writeXML(w http.ResponseWriter, status int, v any) {
	out, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(out)
}

// isoTime formats t as AWS does in Query responses.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// validName checks an IAM/STS name: length in [lo, hi] and only word characters ([A-Za-z0-9_]) or extra.
// (A hand check rather than package-level regexps: those would compile at every kagi start.)
func validName(s string, lo, hi int, extra string) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for _, r := range s {
		word := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !word && !strings.ContainsRune(extra, r) {
			return false
		}
	}
	return true
}
