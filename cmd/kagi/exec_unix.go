//go:build !windows

package main

import "syscall"

// execProcess replaces kagi with the command: signals and the exit code are then the command's own.
func execProcess(path string, argv, env []string) error {
	return syscall.Exec(path, argv, env)
}
