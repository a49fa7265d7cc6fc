//go:build !windows

package main

import (
	"os"
	"syscall"
)

const exeSuffix = ""

// execKagi replaces this process with kagi, keeping stdin, stdout, stderr and the controlling terminal.
func execKagi(args []string) {
	path := kagiPath()
	if path == "" {
		os.Stderr.WriteString("kagi-credential-process: cannot find the kagi binary beside this one or on PATH; install kagi or set KAGI_BIN.\n")
		os.Exit(1)
	}
	err := syscall.Exec(path, append([]string{path}, args...), os.Environ())
	os.Stderr.WriteString("kagi-credential-process: cannot run " + path + ": " + err.Error() + ".\n")
	os.Exit(1)
}
