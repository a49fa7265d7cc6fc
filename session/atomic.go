package session

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"gopkg.in/ini.v1"
)

// WriteFileAtomic replaces path with data: it writes a temporary file in the same directory, syncs it,
// sets perm and renames it over path, then syncs the directory (best effort). Readers see the old content
// or the new, never a mix; on any error path is left as it was and the temporary file is removed.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(perm); err == nil {
		if _, err = tmp.Write(data); err == nil {
			err = tmp.Sync()
		}
	}
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cannot replace %s: %w", path, unwrapPath(err))
	}
	if runtime.GOOS != "windows" {
		// The rename is done; a directory that cannot be synced (some network and FUSE file systems)
		// does not make the write fail.
		if d, derr := os.Open(dir); derr == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	return nil
}

// unwrapPath drops the *PathError or *LinkError wrapper, whose path is the temporary file's.
func unwrapPath(err error) error {
	switch e := err.(type) {
	case *os.PathError:
		return e.Err
	case *os.LinkError:
		return e.Err
	}
	return err
}

// readINI reads and parses an AWS shared file. A missing file gives a nil *ini.File and no error.
func readINI(path string) (*ini.File, []byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	f, err := parseINI(path, data)
	return f, data, err
}

// parseINI parses data with ini.v1, turning its errors (and any panic) into one line naming the file and,
// when it can be found, the line.
func parseINI(path string, data []byte) (f *ini.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("%s is not a valid AWS config file: the parser failed: %v", path, r)
		}
	}()
	f, err = ini.LoadSources(iniOptions, data)
	if err == nil {
		return f, nil
	}
	msg, _, _ := strings.Cut(strings.TrimSpace(err.Error()), "\n")
	at := ""
	_, frag, _ := strings.Cut(msg, ": ")
	if msg == "empty section name" {
		frag = "[]"
	}
	if frag = strings.TrimSpace(frag); frag != "" {
		for i, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(strings.TrimPrefix(line, "\ufeff")); line == frag || frag == "[]" && strings.HasPrefix(line, frag) {
				at = fmt.Sprintf(" (line %d)", i+1)
				break
			}
		}
	}
	msg = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, msg)
	if len(msg) > 200 {
		msg = msg[:197] + "..."
	}
	return nil, fmt.Errorf("%s is not a valid AWS config file%s: %s", path, at, msg)
}
