//go:build windows

package main

import (
	"os"
	"os/exec"
	"os/signal"
)

// execProcess runs the command and exits with its exit code (Windows has no exec). Ctrl+C reaches the
// child through the console; kagi ignores it meanwhile.
func execProcess(path string, argv, env []string) error {
	signal.Ignore(os.Interrupt)
	c := exec.Command(path, argv[1:]...)
	c.Env, c.Stdin, c.Stdout, c.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	err := c.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		os.Exit(ee.ExitCode())
	}
	if err != nil {
		return err
	}
	os.Exit(0)
	return nil
}
