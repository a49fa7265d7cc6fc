package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestManPagesAreGeneratedForEveryCommand(t *testing.T) {
	dir := t.TempDir()
	if r := cliRun(t, context.Background(), nil, "man", "--dir", dir); r.code != exitOK || r.stdout != "" {
		t.Fatalf("kagi man: %+v", r)
	}
	for _, page := range []string{"kagi.1", "kagi-exec.1", "kagi-credential-process.1", "kagi-demo-serve.1"} {
		data, err := os.ReadFile(filepath.Join(dir, page))
		if err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		if !strings.Contains(string(data), ".TH \"KAGI\"") {
			t.Errorf("%s is not a man page:\n%.200s", page, data)
		}
	}
}
