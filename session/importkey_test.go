package session_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kagi-cli/kagi/session"
)

func TestCheckLongTermKey(t *testing.T) {
	good := session.LongTermKey{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	if err := session.CheckLongTermKey(good); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ id, secret, want string }{
		{"", good.SecretAccessKey, "empty"},
		{"ASIAIOSFODNN7EXAMPLE", good.SecretAccessKey, "temporary key"},
		{"AKIA-SHORT", good.SecretAccessKey, "16 to 128"},
		{"AIDAIOSFODNN7EXAMPLE", good.SecretAccessKey, "does not start with AKIA"},
		{good.AccessKeyID, "", "secret access key is empty"},
		{good.AccessKeyID, good.AccessKeyID, "looks like an access key ID"},
		{good.AccessKeyID, "wJalrXUtnFEMI K7MDENG/bPxRfiCYEXAMPLEKEY", "not one (40 characters"},
	} {
		err := session.CheckLongTermKey(session.LongTermKey{AccessKeyID: tc.id, SecretAccessKey: tc.secret})
		if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.secret != "" && strings.Contains(err.Error(), tc.secret)) {
			t.Errorf("%q/%q: %v", tc.id, tc.secret, err)
		}
	}
	if got := session.MaskKeyID(good.AccessKeyID); got != "AKIA…MPLE" {
		t.Errorf("MaskKeyID = %q", got)
	}
}

func TestImportKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials")
	body := "[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\n[keep]\nregion = x\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	store, _ := newArrayStore(t)
	other := session.LongTermKey{AccessKeyID: "AKIAOTHEROTHEROTHER1", SecretAccessKey: "otherotherotherotherotherotherotherother"}
	if err := store.PutKey("dev", other); err != nil {
		t.Fatal(err)
	}
	_, err := session.ImportKey(store, path, "dev", session.ImportOptions{})
	if data, _ := os.ReadFile(path); err == nil || !strings.Contains(err.Error(), "--replace") || string(data) != body {
		t.Fatalf("import over a different key: %v; file %q", err, data)
	}
	res, err := session.ImportKey(store, path, "dev", session.ImportOptions{Replace: true})
	if err != nil || !res.Replaced || res.AccessKeyID != "AKIAIOSFODNN7EXAMPLE" {
		t.Fatalf("import --replace: %+v %v", res, err)
	}
	if k, _ := store.Key("dev"); k.AccessKeyID != "AKIAIOSFODNN7EXAMPLE" {
		t.Fatalf("stored %q", k.AccessKeyID)
	}
	if data, _ := os.ReadFile(path); string(data) != "[keep]\nregion = x\n" {
		t.Fatalf("file after import: %q", data)
	}
	if _, err := session.ImportKey(store, path, "dev", session.ImportOptions{}); err == nil || !strings.Contains(err.Error(), "not in") {
		t.Fatalf("second import: %v", err)
	}

	// The same key already stored (an import interrupted after the keyring write): only the file changes.
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if res, err := session.ImportKey(store, path, "dev", session.ImportOptions{}); err != nil || !res.AlreadyStored {
		t.Fatalf("import of the stored key: %+v %v", res, err)
	}
	if _, err := store.Key("nobody"); !errors.Is(err, session.ErrNotFound) {
		t.Fatal(err)
	}
}
