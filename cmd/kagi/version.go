package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print kagi's version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(map[string]string{
					"version": version, "commit": commit, "date": date, "go": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH,
				})
			}
			_, err := fmt.Fprintf(a.stdout, "kagi %s (commit %s, built %s, %s %s/%s)\n", version, commit, date, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func init() {
	info, _ := debug.ReadBuildInfo()
	version, commit, date = fromBuildInfo(version, commit, date, info)
}

// fromBuildInfo fills what the release build's -ldflags did not set from what Go records in every binary:
// `go install github.com/kagi-cli/kagi/cmd/kagi@v1.2.3` records the module version, and a build in a git
// checkout records the commit, its time and whether the tree had changes.
func fromBuildInfo(version, commit, date string, info *debug.BuildInfo) (string, string, string) {
	if info == nil {
		return version, commit, date
	}
	if v := info.Main.Version; version == "dev" && v != "" && v != "(devel)" {
		version = v
	}
	var modified, fromVCS bool
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && commit == "none":
			commit, fromVCS = s.Value, true
		case s.Key == "vcs.time" && date == "unknown":
			date = s.Value
		case s.Key == "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified && fromVCS {
		commit += "-dirty"
	}
	return version, commit, date
}
