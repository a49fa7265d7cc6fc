package main

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "0ed3ca4abc"}, {Key: "vcs.time", Value: "2026-11-23T10:00:00Z"}, {Key: "vcs.modified", Value: "false"}}
	dirty := append(vcs[:2:2], debug.BuildSetting{Key: "vcs.modified", Value: "true"})
	tests := []struct {
		name                string
		in                  [3]string
		info                *debug.BuildInfo
		version, commit, at string
	}{
		{"no build info", [3]string{"dev", "none", "unknown"}, nil, "dev", "none", "unknown"},
		{"go install @version", [3]string{"dev", "none", "unknown"}, &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3", "none", "unknown"},
		{"build in a checkout", [3]string{"dev", "none", "unknown"}, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs}, "dev", "0ed3ca4abc", "2026-11-23T10:00:00Z"},
		{"uncommitted changes", [3]string{"dev", "none", "unknown"}, &debug.BuildInfo{Settings: dirty}, "dev", "0ed3ca4abc-dirty", "2026-11-23T10:00:00Z"},
		{"release ldflags win", [3]string{"1.0.0", "abcdef", "2026-01-01"}, &debug.BuildInfo{Main: debug.Module{Version: "v9.9.9"}, Settings: dirty}, "1.0.0", "abcdef", "2026-01-01"},
	}
	for _, tt := range tests {
		v, c, d := fromBuildInfo(tt.in[0], tt.in[1], tt.in[2], tt.info)
		if v != tt.version || c != tt.commit || d != tt.at {
			t.Errorf("%s: got %s %s %s, want %s %s %s", tt.name, v, c, d, tt.version, tt.commit, tt.at)
		}
	}
}
