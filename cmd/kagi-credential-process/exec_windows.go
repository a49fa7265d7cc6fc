//go:build windows

package main

import (
	"os"
)

const exeSuffix = ".exe"

// execKagi runs `kagi credential-process ARGS...` with this process's streams and exits with its exit code
// (Windows has no exec). There is no queue lock to hand over on Windows (see warm.Queue).
func execKagi(args []string, _ int) {
	path := kagiPath()
	if path == "" {
		os.Stderr.WriteString("kagi-credential-process: cannot find kagi.exe beside this program or on PATH; install kagi or set KAGI_BIN.\n")
		os.Exit(1)
	}
	p, err := os.StartProcess(path, append([]string{path, "credential-process"}, args...), &os.ProcAttr{Files: []*os.File{os.Stdin, os.Stdout, os.Stderr}})
	if err != nil {
		os.Stderr.WriteString("kagi-credential-process: cannot run " + path + ": " + err.Error() + ".\n")
		os.Exit(1)
	}
	state, err := p.Wait()
	if err != nil {
		os.Exit(1)
	}
	os.Exit(state.ExitCode())
}
