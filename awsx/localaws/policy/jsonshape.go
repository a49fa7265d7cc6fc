package policy

import (
	"bytes"
	"encoding/json"
	"slices"
)

// Helpers for the "string or array" shapes of the IAM policy grammar.

// decodeConditionValues accepts a scalar or an array of scalars; IAM compares
// everything as strings, so bools and numbers keep their JSON text.
func decodeConditionValues(raw json.RawMessage, key string) ([]string, error) {
	items := []json.RawMessage{raw}
	if jsonKind(raw) == '[' {
		items = nil
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, malformed("invalid values for condition key %q: %v", key, err)
		}
		if len(items) == 0 {
			return nil, malformed("condition key %q has no values", key)
		}
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		switch k := jsonKind(it); {
		case k == '"':
			s, err := decodeString(it, "condition value")
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		case k == 't' || k == 'f' || k == '-' || (k >= '0' && k <= '9'):
			// Already validated by encoding/json; the literal is the value.
			out = append(out, string(bytes.TrimSpace(it)))
		default:
			return nil, malformed("condition key %q: values must be strings, numbers or booleans", key)
		}
	}
	return out, nil
}

// decodeStrings accepts a string or a non-empty array of strings.
func decodeStrings(raw json.RawMessage, elem string) ([]string, error) {
	if jsonKind(raw) == '"' {
		s, err := decodeString(raw, elem)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	if jsonKind(raw) != '[' {
		return nil, malformed("%s must be a string or an array of strings", elem)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, malformed("invalid %s: %v", elem, err)
	}
	if len(items) == 0 {
		return nil, malformed("%s must not be empty", elem)
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, err := decodeString(it, elem)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// decodeString checks the JSON type first because encoding/json silently
// turns null into "".
func decodeString(raw json.RawMessage, elem string) (string, error) {
	if jsonKind(raw) != '"' {
		return "", malformed("%s must be a string", elem)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", malformed("invalid %s: %v", elem, err)
	}
	return s, nil
}

// jsonKind returns the first non-space byte of a JSON value, or 0.
func jsonKind(raw []byte) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

// sortedKeys makes object iteration, and so the reported error when a
// document has several problems, deterministic.
func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
