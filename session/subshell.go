package session

import (
	"os"
	"path/filepath"
)

// Subshell is the command line and environment of an interactive shell with a profile's session (`kagi exec
// PROFILE` with no command, `s` on the TUI's Roles screen): shell (the user's $SHELL, else /bin/sh) with
// "(kagi:PROFILE)" in front of the prompt. bash gets an rc file in stateDir that sources ~/.bashrc first and
// then prefixes PS1 (it holds no secret: the profile comes from $KAGI_PROFILE); other shells get PS1 in env.
func Subshell(shell, profile string, env []string, stateDir string) (argv, environ []string) {
	if shell == "" {
		shell = "/bin/sh"
	}
	if filepath.Base(shell) == "bash" {
		rc := filepath.Join(stateDir, "bashrc")
		body := "[ -f ~/.bashrc ] && . ~/.bashrc\nPS1=\"(kagi:$KAGI_PROFILE) ${PS1:-\\$ }\"\n"
		if os.MkdirAll(stateDir, 0o700) == nil && WriteFileAtomic(rc, []byte(body), 0o600) == nil {
			return []string{shell, "--rcfile", rc, "-i"}, env
		}
	}
	return []string{shell, "-i"}, append(env, "PS1=(kagi:"+profile+") $ ")
}
