package warm_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kagi-cli/kagi/session/warm"
)

func TestItemNameRoundTrip(t *testing.T) {
	exp := time.Unix(1900000000, 0).UTC()
	for _, profile := range []string{"admin", "team:prod", "100%", "a;b", "管理者", "x%3A"} {
		for _, kind := range []string{warm.KindSession, warm.KindRole} {
			name := warm.ItemName(kind, profile, exp)
			info, ok := warm.ParseItemName(name)
			if !ok || info.Kind != kind || info.Profile != profile || !info.Expires.Equal(exp) {
				t.Errorf("ParseItemName(%q) = %+v %v", name, info, ok)
			}
			if strings.Count(name, ":") != 4 || strings.Contains(name, ";") {
				t.Errorf("name %q has unescaped separators", name)
			}
		}
		name := warm.ItemName(warm.KindKey, profile, time.Time{})
		if info, ok := warm.ParseItemName(name); !ok || info.Kind != warm.KindKey || info.Profile != profile || !info.Expires.IsZero() {
			t.Errorf("key name %q parsed as %+v %v", name, info, ok)
		}
	}
	for _, foreign := range []string{"aws-vault session", "kagi:v2:role:x:1", "kagi:v1:role:x", "kagi:v1:role:x:notanumber", "kagi:v1:role:bad%zz:1", "kagi:v1:other:x:1"} {
		if info, ok := warm.ParseItemName(foreign); ok {
			t.Errorf("ParseItemName(%q) accepted a foreign name: %+v", foreign, info)
		}
	}
}

func TestEntryEncodeDecode(t *testing.T) {
	e := warm.Entry{AccessKeyID: "ASIAEXAMPLE000000000", SecretAccessKey: "secret/with+chars=", SessionToken: "token==",
		Expires: time.Unix(1900000000, 0).UTC(), Stamp: "/home/a/.aws/config|120|1700000000", Fingerprint: "abcd"}
	data, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := warm.DecodeEntry(data)
	if err != nil || got != e {
		t.Fatalf("DecodeEntry = %+v, %v; want %+v", got, err, e)
	}
	if _, err := (warm.Entry{AccessKeyID: "A", SecretAccessKey: "x\ny"}).Encode(); err == nil {
		t.Error("Encode accepted a line break in a field")
	}
	for _, bad := range []string{"", "kagi-entry v1\n", "garbage", "kagi-entry v1\naccess_key_id=A\nsecret_access_key=B\nexpires=soon\n", "kagi-entry v1\nnoequals\n"} {
		if _, err := warm.DecodeEntry([]byte(bad)); err == nil {
			t.Errorf("DecodeEntry(%q) accepted", bad)
		}
	}
}

func TestProcessOutputIsTheCredentialProcessDocument(t *testing.T) {
	e := warm.Entry{AccessKeyID: "ASIAEXAMPLE000000000", SecretAccessKey: `s"e\c` + "\x01", SessionToken: "tok", Expires: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	out := warm.ProcessOutput(e)
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("not JSON: %v: %s", err, out)
	}
	want := map[string]any{"Version": float64(1), "AccessKeyId": e.AccessKeyID, "SecretAccessKey": e.SecretAccessKey, "SessionToken": "tok", "Expiration": "2030-01-02T03:04:05Z"}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %#v, want %#v", k, doc[k], v)
		}
	}
	if len(doc) != len(want) || !strings.HasSuffix(string(out), "}\n") || strings.Count(string(out), "\n") != 1 {
		t.Errorf("output %q", out)
	}
}

func ExampleProcessOutput() {
	os.Stdout.Write(warm.ProcessOutput(warm.Entry{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "wJalr", SessionToken: "IQoJ", Expires: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}))
	// Output: {"Version":1,"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"wJalr","SessionToken":"IQoJ","Expiration":"2026-11-23T10:00:00Z"}
}

func TestConfigStampChangesWithTheFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config")
	absent := warm.ConfigStamp(p)
	if !strings.HasSuffix(absent, "|absent") {
		t.Fatalf("stamp of a missing file: %q", absent)
	}
	if err := os.WriteFile(p, []byte("[profile a]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	first := warm.ConfigStamp(p)
	if err := os.WriteFile(p, []byte("[profile a]\nregion = x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if second := warm.ConfigStamp(p); second == first || first == absent {
		t.Errorf("stamps did not change: %q %q %q", absent, first, second)
	}
}

func FuzzDecodeEntry(f *testing.F) {
	f.Add([]byte("kagi-entry v1\naccess_key_id=A\nsecret_access_key=B\nexpires=1\n"))
	f.Add([]byte("kagi-entry v1\n=\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := warm.DecodeEntry(data)
		if err != nil {
			return
		}
		// Whatever decodes must print as valid JSON.
		var doc map[string]any
		if err := json.Unmarshal(warm.ProcessOutput(e), &doc); err != nil {
			t.Fatalf("ProcessOutput not JSON for %+v: %v", e, err)
		}
	})
}
