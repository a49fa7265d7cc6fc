package session

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// StepMemory remembers the codes recently used per MFA device, so kagi never sends a spent TOTP code: AWS
// rejects a code used before, and a second kagi within the same 30-second step would get the same code from
// mfa_process. Codes are not secret once used (AWS refuses them), and entries older than 90 s are dropped on
// every write. The file is <dir>/mfa-steps, mode 0600 in a 0700 directory, replaced atomically. A nil
// *StepMemory remembers nothing.
type StepMemory struct {
	path string
	mu   sync.Mutex
}

// NewStepMemory keeps its file in dir (normally Dirs.State).
func NewStepMemory(dir string) *StepMemory {
	return &StepMemory{path: filepath.Join(dir, "mfa-steps")}
}

const maxStepsPerDevice = 8

type stepEntry struct {
	Code string `json:"code"`
	At   int64  `json:"at"` // Unix milliseconds
}

type stepsFile struct {
	Version int                    `json:"version"`
	Devices map[string][]stepEntry `json:"devices"`
}

// Used records that code was sent for serial at the given time.
func (m *StepMemory) Used(serial, code string, at time.Time) error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	devices := m.load()
	for s, entries := range devices {
		kept := entries[:0]
		for _, e := range entries {
			if withinWindow(e, at) && !(s == serial && e.Code == code) {
				kept = append(kept, e)
			}
		}
		if len(kept) == 0 {
			delete(devices, s)
		} else {
			devices[s] = kept
		}
	}
	entries := append(devices[serial], stepEntry{Code: code, At: at.UnixMilli()})
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].At < entries[j].At })
	if len(entries) > maxStepsPerDevice {
		entries = entries[len(entries)-maxStepsPerDevice:]
	}
	devices[serial] = entries
	data, err := json.Marshal(stepsFile{Version: 1, Devices: devices})
	if err != nil {
		return err
	}
	return writeStepsFile(m.path, data)
}

// JustUsed reports whether code was used for serial within 90 s of now.
func (m *StepMemory) JustUsed(serial, code string, now time.Time) bool {
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.load()[serial] {
		if e.Code == code && withinWindow(e, now) {
			return true
		}
	}
	return false
}

// withinWindow: e lies less than 90 s from t, in either direction (another process's clock may be ahead).
func withinWindow(e stepEntry, t time.Time) bool {
	d := t.Sub(time.UnixMilli(e.At))
	return d < justUsedWindow && d > -justUsedWindow
}

// load reads the file; a missing, unreadable or corrupt file is an empty memory.
func (m *StepMemory) load() map[string][]stepEntry {
	var f stepsFile
	if data, err := os.ReadFile(m.path); err == nil && json.Unmarshal(data, &f) == nil && f.Devices != nil {
		return f.Devices
	}
	return map[string][]stepEntry{}
}

// writeStepsFile replaces path with data atomically: a 0600 temporary file in the same (0700) directory,
// synced, then renamed over path.
func writeStepsFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := ensureDir(dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".mfa-steps-*.tmp")
	if err != nil {
		return err
	}
	name := tmp.Name()
	err = tmp.Chmod(0o600)
	if _, werr := tmp.Write(data); err == nil {
		err = werr
	}
	if serr := tmp.Sync(); err == nil {
		err = serr
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		return errors.Join(err, os.Remove(name))
	}
	return nil
}
