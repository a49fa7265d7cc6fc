package session

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/ini.v1"
)

// `kagi setup PROFILE` writes two profiles into the AWS config file: the role profile (source_profile,
// role_arn, mfa_serial, region) and PROFILE-cli, whose credential_process hands the AWS CLI and SDKs the
// role's cached credentials. The change is planned first, so the user sees a preview diff before
// UpdateConfig writes it (atomically, 0600, with a backup; every other line stays as it was).

// SetupRequest is what to write.
type SetupRequest struct {
	Profile    string // the role profile
	Source     string // source_profile: the IAM user's profile with the long-term key
	RoleARN    string
	MFASerial  string // optional
	Region     string // optional
	CLIProfile string // the credential_process profile; default Profile+"-cli"
	Force      bool   // replace different settings of existing profiles
}

// CredentialProcessCommand is the credential_process command of the -cli profile, before the profile name.
const CredentialProcessCommand = "kagi-credential-process"

var (
	profileNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\w[\w.+@=,:/-]{0,127}$`) })
	roleARNRE     = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\x21-\x7e]{1,512}$`)
	})
	mfaSerialRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=/:,.@-]{9,256}$`) })
	regionRE    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`) })
)

// Validate checks the request and fills in CLIProfile. Its errors are about the input, one sentence each.
func (r *SetupRequest) Validate() error {
	if r.CLIProfile == "" && r.Profile != "" {
		r.CLIProfile = r.Profile + "-cli"
	}
	for _, p := range []struct{ what, name string }{{"profile", r.Profile}, {"--source", r.Source}, {"--cli-profile", r.CLIProfile}} {
		if !profileNameRE().MatchString(p.name) {
			return fmt.Errorf("%s %s is not a usable profile name (letters, digits and _.+@=,:/-, no spaces)", p.what, strconv.Quote(p.name))
		}
	}
	switch {
	case r.Source == r.Profile:
		return fmt.Errorf("--source must name the IAM user's profile, not the role profile %s itself", r.Profile)
	case r.CLIProfile == r.Profile || r.CLIProfile == r.Source:
		return fmt.Errorf("--cli-profile %s must differ from the role profile and the source profile", r.CLIProfile)
	case !roleARNRE().MatchString(r.RoleARN):
		return fmt.Errorf("--role-arn %s is not a role ARN such as arn:aws:iam::123456789012:role/admin", strconv.Quote(r.RoleARN))
	case r.MFASerial != "" && !mfaSerialRE().MatchString(r.MFASerial):
		return fmt.Errorf("--mfa-serial %s is not an MFA device ARN such as arn:aws:iam::123456789012:mfa/alice", strconv.Quote(r.MFASerial))
	case r.Region != "" && !regionRE().MatchString(r.Region):
		return fmt.Errorf("--region %s is not an AWS region such as eu-west-1", strconv.Quote(r.Region))
	}
	return nil
}

// ProfileConflictError: a profile already exists with a different setting, and Force was not set.
type ProfileConflictError struct {
	Profile, Key, Old, New string // New is "" when kagi would remove the key
}

func (e *ProfileConflictError) Error() string {
	if e.New == "" { // the value may be a secret: not shown
		return fmt.Sprintf("profile %s already sets %s, which conflicts with what kagi setup writes; pass --force to remove it", e.Profile, e.Key)
	}
	return fmt.Sprintf("profile %s already sets %s = %s; pass --force to replace it with %s", e.Profile, e.Key, e.Old, e.New)
}

// Keys that give a profile credentials another way: a role profile (or the credential_process profile)
// holding one of them would be ambiguous, so setup replaces them only with Force.
var credentialSourceKeys = []string{"aws_access_key_id", "aws_secret_access_key", "aws_session_token", "credential_source",
	"web_identity_token_file", "sso_session", "sso_start_url", "sso_account_id", "sso_role_name"}

// edit is the change to the parsed config file. It is pure, so the preview and the write make the same one.
func (r SetupRequest) edit(f *ini.File) error {
	role := [][2]string{{"source_profile", r.Source}, {"role_arn", r.RoleARN}}
	if r.MFASerial != "" {
		role = append(role, [2]string{"mfa_serial", r.MFASerial})
	}
	if r.Region != "" {
		role = append(role, [2]string{"region", r.Region})
	}
	roleConflicts := append([]string{"credential_process"}, credentialSourceKeys...)
	if err := r.setProfile(f, r.Profile, role, roleConflicts); err != nil {
		return err
	}
	cli := [][2]string{{"credential_process", CredentialProcessCommand + " " + r.Profile}}
	if r.Region != "" {
		cli = append(cli, [2]string{"region", r.Region})
	}
	return r.setProfile(f, r.CLIProfile, cli, append([]string{"role_arn", "source_profile"}, credentialSourceKeys...))
}

func (r SetupRequest) setProfile(f *ini.File, name string, keys [][2]string, conflicting []string) error {
	sec := profileSection(f, name)
	if sec == nil {
		header := "profile " + name
		if name == "default" {
			header = name
		}
		sec, _ = f.NewSection(header)
		sec.Comment = "# Added by kagi setup."
	}
	for _, kv := range keys {
		if sec.HasKey(kv[0]) && sec.Key(kv[0]).Value() != kv[1] && !r.Force {
			return &ProfileConflictError{Profile: name, Key: kv[0], Old: sec.Key(kv[0]).Value(), New: kv[1]}
		}
	}
	for _, k := range conflicting {
		if sec.HasKey(k) && !r.Force {
			return &ProfileConflictError{Profile: name, Key: k, Old: sec.Key(k).Value()}
		}
		sec.DeleteKey(k)
	}
	for _, kv := range keys {
		sec.Key(kv[0]).SetValue(kv[1])
	}
	return nil
}

// profileSection finds the section of profile name: [profile NAME] (also quoted), or [default].
func profileSection(f *ini.File, name string) *ini.Section {
	var plainDefault *ini.Section
	for _, sec := range f.Sections() {
		if n, ok := configProfileName(sec.Name()); ok && n == name {
			if name == "default" && !strings.HasPrefix(strings.TrimSpace(sec.Name()), "profile") {
				plainDefault = sec
				continue
			}
			return sec // [profile default] wins over [default], as in LoadConfig
		}
	}
	return plainDefault
}

// SetupPlan is the change setup would make to the config file, for the preview.
type SetupPlan struct {
	Path          string // the config file, as the user names it
	Before, After []byte
	Existed       bool
	real          string // Path with symlinks resolved: what is read and written
	req           SetupRequest
}

// PlanSetup validates req and computes the config file after the change, without writing anything.
func PlanSetup(path string, req SetupRequest) (*SetupPlan, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	p := &SetupPlan{Path: path, real: resolveLink(path), req: req}
	data, err := os.ReadFile(p.real)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	p.Existed, p.Before = err == nil, data
	// As UpdateConfig renders it: line edits, or ini.v1's formatting when they cannot reproduce the file.
	out, f, exact, err := editINI(p.real, data, req.edit)
	switch {
	case errors.Is(err, errUnchanged):
		out = data
	case err != nil:
		return nil, err
	case !exact:
		var buf bytes.Buffer
		if _, err := f.WriteTo(&buf); err != nil {
			return nil, fmt.Errorf("cannot update %s: %w", path, err)
		}
		out = buf.Bytes()
	}
	p.After = out
	return p, nil
}

// Changed reports whether the plan changes the file.
func (p *SetupPlan) Changed() bool { return !p.Existed || !bytes.Equal(p.Before, p.After) }

// Backup is where Apply keeps the previous content, or "" when there was no file to back up.
func (p *SetupPlan) Backup() string {
	if !p.Existed {
		return ""
	}
	return p.real + ".kagi-backup"
}

// Diff is the preview: a unified-style diff of the file before and after.
func (p *SetupPlan) Diff() string {
	old := p.Path
	if !p.Existed {
		old = "/dev/null"
	}
	lines := strings.SplitAfter(LineDiff(old, p.Path+" (after kagi setup)", p.Before, p.After), "\n")
	for i, l := range lines { // the diff shows context lines too: never a secret in them
		if m := secretLineRE().FindStringSubmatchIndex(l); m != nil && i > 1 {
			lines[i] = l[:m[1]] + "[redacted]\n"
		}
	}
	return strings.Join(lines, "")
}

var secretLineRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)^[ +-]\s*(?:aws_secret_access_key|aws_session_token)\s*[=:]\s*`)
})

// Apply writes the plan with UpdateConfig, unless the file changed since the plan was made (the user
// approved a preview of that content, not of another).
func (p *SetupPlan) Apply() error {
	data, err := os.ReadFile(p.real)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cannot read %s: %w", p.Path, err)
	}
	if (err == nil) != p.Existed || !bytes.Equal(data, p.Before) {
		return fmt.Errorf("%s changed while the preview was shown; run kagi setup again to see the new changes", p.Path)
	}
	return UpdateConfig(p.real, p.req.edit)
}

// LineDiff returns a unified-style diff of a and b by whole lines, with 3 lines of context, or "" when they
// are equal. It is a minimal hand-written LCS diff (config files are short, so its quadratic table is
// cheap), not GNU diff: it does not mark a missing final newline.
func LineDiff(oldName, newName string, a, b []byte) string {
	x, y := splitForDiff(a), splitForDiff(b)
	n, m := len(x), len(y)
	type op struct {
		kind   byte // ' ', '-', '+'
		text   string
		oi, ni int // lines of a and b before this one
	}
	var ops []op
	if n*m > 4_000_000 { // too big for the table: show every line as replaced
		for i := range x {
			ops = append(ops, op{'-', x[i], i, 0})
		}
		for j := range y {
			ops = append(ops, op{'+', y[j], n, j})
		}
		n, m = 0, 0
	}
	lcs := make([]int32, (n+1)*(m+1)) // lcs[i*(m+1)+j]: longest common subsequence of x[i:], y[j:]
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i*(m+1)+j] = lcs[(i+1)*(m+1)+j+1] + 1
			} else {
				lcs[i*(m+1)+j] = max(lcs[(i+1)*(m+1)+j], lcs[i*(m+1)+j+1])
			}
		}
	}
	for i, j := 0, 0; i < n || j < m; {
		switch {
		case i < n && j < m && x[i] == y[j]:
			ops = append(ops, op{' ', x[i], i, j})
			i, j = i+1, j+1
		case j >= m || (i < n && lcs[(i+1)*(m+1)+j] >= lcs[i*(m+1)+j+1]):
			ops = append(ops, op{'-', x[i], i, j})
			i++
		default:
			ops = append(ops, op{'+', y[j], i, j})
			j++
		}
	}
	const context = 3
	var out strings.Builder
	for k := 0; k < len(ops); {
		if ops[k].kind == ' ' {
			k++
			continue
		}
		start, end := max(0, k-context), k // the hunk: ops[start:end+1], extended while changes are close
		for e := k; e < len(ops) && e <= end+2*context; e++ {
			if ops[e].kind != ' ' {
				end = e
			}
		}
		end = min(len(ops)-1, end+context)
		var oc, nc int
		var body strings.Builder
		for _, o := range ops[start : end+1] {
			oc += b2i(o.kind != '+')
			nc += b2i(o.kind != '-')
			body.WriteString(string(o.kind) + o.text + "\n")
		}
		if out.Len() == 0 {
			fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldName, newName)
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n%s", hunkRange(ops[start].oi, oc), hunkRange(ops[start].ni, nc), body.String())
		k = end + 1
	}
	return out.String()
}

// hunkRange formats "start,count" the unified way: 1-based, and the line before an empty range.
func hunkRange(before, count int) string {
	if count == 0 {
		return strconv.Itoa(before) + ",0"
	}
	if count == 1 {
		return strconv.Itoa(before + 1)
	}
	return strconv.Itoa(before+1) + "," + strconv.Itoa(count)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// splitForDiff splits data into lines without their line breaks (CRLF too).
func splitForDiff(data []byte) []string {
	s := strings.TrimSuffix(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
