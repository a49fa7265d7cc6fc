package gitcreds

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

func (m *Model) listKey(msg tea.KeyMsg) tea.Cmd {
	if m.secret != nil { // the password box is up: only "I copied it" (in key) applies
		return nil
	}
	sel, ok := m.selected()
	switch {
	case key.Matches(msg, m.keys.Up):
		m.cursor = max(m.cursor-1, 0)
	case key.Matches(msg, m.keys.Down):
		m.cursor = min(m.cursor+1, len(m.list)-1)
	case key.Matches(msg, m.keys.Create):
		m.state, m.err, m.notice = stateWorking, nil, ""
		return tea.Batch(create(m.api, m.who, m.userName), m.spin.Tick)
	case key.Matches(msg, m.keys.Reset) && ok:
		m.state, m.err, m.notice = stateConfirmReset, nil, ""
	case key.Matches(msg, m.keys.Delete) && ok:
		m.state, m.err, m.notice = stateConfirmDelete, nil, ""
	case key.Matches(msg, m.keys.Toggle) && ok:
		m.state, m.err, m.notice = stateWorking, nil, ""
		return tea.Batch(setStatus(m.api, sel, sel.Status != statusActive), m.spin.Tick)
	}
	return nil
}

func (m *Model) confirmKey(msg tea.KeyMsg) tea.Cmd {
	yes, no := key.Matches(msg, m.keys.Yes), key.Matches(msg, m.keys.No) || msg.Type == tea.KeyEsc
	sel, ok := m.selected()
	switch {
	case no || (yes && !ok):
		m.state = stateList
	case yes && m.state == stateConfirmReset:
		m.state = stateWorking
		return tea.Batch(reset(m.api, sel.ID), m.spin.Tick)
	case yes:
		m.state = stateWorking
		return tea.Batch(deleteCred(m.api, sel), m.spin.Tick)
	}
	return nil
}
