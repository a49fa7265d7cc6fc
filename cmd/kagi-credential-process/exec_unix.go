//go:build !windows

package main

import (
	"os"
	"strconv"
	"syscall"

	"github.com/kagi-cli/kagi/session/warm"
)

const exeSuffix = ""

// execKagi replaces this process with `kagi credential-process ARGS...`, keeping stdin, stdout, stderr and
// the controlling terminal, and, when queueFD is not -1, the queue lock (see warm.Queue).
func execKagi(args []string, queueFD int) {
	path := kagiPath()
	if path == "" {
		os.Stderr.WriteString("kagi-credential-process: cannot find the kagi binary beside this one or on PATH; install kagi or set KAGI_BIN.\n")
		os.Exit(1)
	}
	env := os.Environ()
	if queueFD >= 0 {
		env = append(env, warm.QueueFDEnv+"="+strconv.Itoa(queueFD))
	}
	err := syscall.Exec(path, append([]string{path, "credential-process"}, args...), env)
	os.Stderr.WriteString("kagi-credential-process: cannot run " + path + ": " + err.Error() + ".\n")
	os.Exit(1)
}
