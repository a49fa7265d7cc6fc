package main

import (
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/session"
)

func newExecCmd(a *app) *cobra.Command {
	var (
		f      sessionFlags
		nested bool
	)
	cmd := &cobra.Command{
		Use:   "exec PROFILE [-- COMMAND [ARGS...]]",
		Short: "Run a command (or a subshell) with the role session's credentials",
		Long: `Run COMMAND with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION,
AWS_REGION and KAGI_PROFILE set (and every other AWS credential variable removed). kagi replaces itself
with the command, so signals and the exit code are the command's own. Without COMMAND, kagi starts your
$SHELL with "(kagi:PROFILE)" in front of the prompt.

  kagi exec admin -- terraform plan`,
		GroupID: "sessions",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() == 0 {
				return usagef("name the profile before --, e.g. 'kagi exec admin -- aws s3 ls'")
			}
			if cmd.ArgsLenAtDash() > 1 || (cmd.ArgsLenAtDash() < 0 && len(args) > 1) {
				return usagef("put the command after --, e.g. 'kagi exec %s -- %s'", args[0], args[1])
			}
			profile, argv := args[0], args[1:]
			if cur := a.env("KAGI_PROFILE"); cur != "" && !nested {
				return fmt.Errorf("already inside a kagi session for profile %q; exit it first, or pass --nested to run inside it anyway", cur)
			}
			eng, res, err := a.credentials(cmd.Context(), &f, profile)
			if err != nil {
				return err
			}
			env := session.Environ(os.Environ(), session.SessionVars(profile, a.region(eng, profile), res.Entry))
			if len(argv) == 0 {
				argv, env = session.Subshell(os.Getenv("SHELL"), profile, env, eng.Dirs.State)
				fmt.Fprintf(a.stderr, "kagi: subshell with profile %s until %s; exit to leave.\n", profile, res.Entry.Expires.Local().Format(time.Kitchen))
			}
			path, err := exec.LookPath(argv[0])
			if err != nil {
				return fmt.Errorf("cannot run %q: not found on PATH", argv[0])
			}
			a.debugLog.Printf("exec %s with profile %s", path, profile)
			return a.exec(path, argv, env)
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&nested, "nested", false, "allow running inside another kagi session")
	return cmd
}
