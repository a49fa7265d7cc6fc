// Command kagi is a sudo for AWS: IAM self-service and MFA-gated role sessions from the terminal.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Set by the release build (-ldflags "-X main.version=…").
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, env: os.Getenv, exec: execProcess})
	stop()
	os.Exit(code)
}
