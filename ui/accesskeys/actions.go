package accesskeys

import (
	"errors"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/common"
)

// rotation is the state of a session.Rotate run.
type rotation struct {
	events  <-chan tea.Msg
	reached int    // how many of rotationSteps are done
	note    string // Rotate's latest sentence (resuming, waiting, rolling back)
	oldID   string // the key Rotate asks about
	reply   chan<- bool
	result  *session.RotateResult
}

// rotationSteps are what the user sees of a rotation, each done at one of session.RotateHookPoints.
var rotationSteps = []struct{ point, label string }{
	{"created", "Create a new access key"},
	{"stored", "Store it next to the old key"},
	{"verified", "Wait until AWS accepts it"},
	{"swapped", "Make it the key kagi signs with"},
	{"deactivated", "Deactivate the old key"},
	{"deleted", "Delete the old key (kagi asks you first)"},
}

func (m *Model) listKey(msg tea.KeyMsg) tea.Cmd {
	sel, ok := m.selected()
	switch {
	case key.Matches(msg, m.keys.Secret) && m.secret != nil:
		m.secret, m.canReveal = nil, false // shown once: gone for good
	case key.Matches(msg, m.keys.Secret):
		return readSecret(m.ctx.Engine, m.source)
	case key.Matches(msg, m.keys.Up):
		m.cursor = max(m.cursor-1, 0)
	case key.Matches(msg, m.keys.Down):
		m.cursor = min(m.cursor+1, len(m.list)-1)
	case key.Matches(msg, m.keys.Rotate):
		m.state, m.err, m.notice = stateConfirmRotate, nil, ""
	case key.Matches(msg, m.keys.Used):
		m.state, m.err, m.notice = stateWorking, nil, ""
		return tea.Batch(lookUpLastUsed(m.api, m.list), m.spin.Tick)
	case key.Matches(msg, m.keys.Delete) && ok:
		m.state, m.err, m.notice = stateConfirmDelete, nil, ""
	case key.Matches(msg, m.keys.Toggle) && ok:
		m.state, m.err, m.notice = stateWorking, nil, ""
		return tea.Batch(setStatus(m.api, sel.ID, !sel.Active()), m.spin.Tick)
	}
	return nil
}

func (m *Model) confirmKey(msg tea.KeyMsg) tea.Cmd {
	yes, no := key.Matches(msg, m.keys.Yes), key.Matches(msg, m.keys.No) || msg.Type == tea.KeyEsc
	if !yes && !no {
		return nil
	}
	switch m.state {
	case stateConfirmRotate:
		if no {
			m.state = stateList
			return nil
		}
		m.state, m.cleanup, m.rotation = stateRotating, nil, rotation{}
		m.secret, m.canReveal = nil, false
		return tea.Batch(rotate(common.QuietEngine(m.ctx), m.ctx.AWS, m.source), m.spin.Tick)
	case stateConfirmDelete:
		if sel, ok := m.selected(); yes && ok {
			m.state = stateWorking
			return tea.Batch(deleteKey(m.api, sel.ID), m.spin.Tick)
		}
		m.state = stateList
	case stateConfirmOld:
		m.rotation.reply <- yes // buffered: never blocks
		m.state, m.rotation.reply = stateRotating, nil
	}
	return nil
}

func (m *Model) rotationEvent(msg tea.Msg) tea.Cmd {
	r := &m.rotation
	switch msg := msg.(type) {
	case rotationStartedMsg:
		r.events = msg.events
	case stepMsg:
		for i, s := range rotationSteps {
			if s.point == msg.step {
				r.reached = max(r.reached, i+1)
			}
		}
	case progressMsg:
		r.note = msg.text
	case confirmOldMsg:
		r.oldID, r.reply, m.state = msg.oldID, msg.reply, stateConfirmOld
	case rotatedMsg:
		return m.rotated(msg)
	}
	return waitRotation(r.events)
}

func (m *Model) rotated(msg rotatedMsg) tea.Cmd {
	m.rotation.events, m.rotation.reply = nil, nil
	if msg.creds != m.ctx.Engine.Creds {
		// Rotate ran on a copy of the engine; a key kept in the credentials file was re-read there.
		m.ctx.Engine.Creds = msg.creds
	}
	var nc *session.NeedsCleanup
	switch {
	case errors.As(msg.err, &nc):
		m.cleanup = nc
	case errors.Is(msg.err, common.ErrMFACodeNeeded): // the MFA session ran out: ask, then list again
		m.start()
		return m.Init()
	case msg.err != nil:
		m.err = msg.err
	default:
		m.rotation.result, m.canReveal = msg.res, true
	}
	m.state = stateLoading
	return tea.Batch(loadKeys(m.api, m.ctx.Engine, m.source), m.spin.Tick, refresh)
}
