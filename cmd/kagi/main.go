// Command kagi is a sudo for AWS: IAM self-service and MFA-gated role sessions from the terminal.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/kagi-cli/kagi/session/warm"
)

// Set by the release build (-ldflags "-X main.version=…").
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	warm.AdoptQueue() // before anything can start a child: see kagi-credential-process
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, env: os.Getenv, exec: execProcess})
	stop()
	os.Exit(code)
}
