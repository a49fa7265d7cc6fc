// Package qr renders a QR code for the terminal with half-block characters (two modules per character
// row), so an otpauth:// URI fits a normal terminal and needs no colours.
package qr

import (
	"bytes"
	"strings"

	"github.com/mdp/qrterminal/v3"
	"rsc.io/qr"
)

// quietZone is one module: the terminal background around the code serves as the rest of the margin,
// and every extra module costs a column on each side.
const quietZone = 1

// Render draws uri as a QR code at error-correction level L. ok is false when uri cannot be encoded or
// the code needs more than maxWidth columns or maxHeight lines; the caller then shows the text instead.
func Render(uri string, maxWidth, maxHeight int) (string, bool) {
	code, err := qr.Encode(uri, qr.L)
	if err != nil {
		return "", false
	}
	w, h := Size(code.Size)
	if w > maxWidth || h > maxHeight {
		return "", false
	}
	var buf bytes.Buffer
	qrterminal.GenerateWithConfig(uri, qrterminal.Config{
		Level:          qrterminal.L,
		Writer:         &buf,
		HalfBlocks:     true,
		BlackChar:      qrterminal.BLACK_BLACK,
		BlackWhiteChar: qrterminal.BLACK_WHITE,
		WhiteChar:      qrterminal.WHITE_WHITE,
		WhiteBlackChar: qrterminal.WHITE_BLACK,
		QuietZone:      quietZone,
	})
	return strings.TrimRight(buf.String(), "\n"), true
}

// Size is the number of columns and lines Render uses for a code of modules×modules: the modules plus
// the quiet zone on each side; lines hold two module rows each plus a half-line of top margin.
func Size(modules int) (width, height int) {
	width = modules + 2*quietZone
	height = 1 + (modules+1)/2 // quietZone is odd: one top line of half blocks, no bottom line
	return width, height
}

// Measure returns the columns and lines Render would use for uri; ok is false if uri cannot be encoded.
func Measure(uri string) (width, height int, ok bool) {
	code, err := qr.Encode(uri, qr.L)
	if err != nil {
		return 0, 0, false
	}
	width, height = Size(code.Size)
	return width, height, true
}
