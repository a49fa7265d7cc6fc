package qr_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kagi-cli/kagi/ui/components/qr"
)

// A URI shaped like AWS's: a 64-character base32 seed, the account and the user.
const uri = "otpauth://totp/Amazon%20Web%20Services:alice@000000000000?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Amazon%20Web%20Services"

func TestRenderMatchesMeasure(t *testing.T) {
	w, h, ok := qr.Measure(uri)
	if !ok {
		t.Fatal("Measure: not encodable")
	}
	out, ok := qr.Render(uri, w, h)
	if !ok {
		t.Fatalf("Render at its own measure (%dx%d) did not fit", w, h)
	}
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Errorf("lines = %d, Measure said %d", len(lines), h)
	}
	for i, l := range lines {
		if n := utf8.RuneCountInString(l); n != w {
			t.Errorf("line %d has %d columns, Measure said %d", i, n, w)
		}
		if strings.ContainsRune(l, '\x1b') {
			t.Errorf("line %d has an escape sequence; the renderer must be colour-free", i)
		}
		if strings.Trim(l, "▀▄█ ") != "" {
			t.Errorf("line %d has characters other than half blocks: %q", i, l)
		}
	}
}

func TestRenderRefusesWhatDoesNotFit(t *testing.T) {
	w, h, _ := qr.Measure(uri)
	for _, c := range []struct{ w, h int }{{w - 1, h}, {w, h - 1}, {80, 20}, {0, 0}} {
		if out, ok := qr.Render(uri, c.w, c.h); ok || out != "" {
			t.Errorf("Render(%d×%d) for a %d×%d code = ok %v, %d bytes; want false, empty", c.w, c.h, w, h, ok, len(out))
		}
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	a, _ := qr.Render(uri, 200, 200)
	b, _ := qr.Render(uri, 200, 200)
	if a == "" || a != b {
		t.Fatal("Render is empty or differs between calls for the same input")
	}
	if c, _ := qr.Render(strings.Replace(uri, "JBSW", "KBSW", 1), 200, 200); c == a {
		t.Fatal("different URIs render the same code")
	}
}

func TestRenderRejectsUnencodable(t *testing.T) {
	huge := strings.Repeat("x", 4000) // beyond version 40 at level L
	if _, ok := qr.Render(huge, 1000, 1000); ok {
		t.Fatal("Render accepted text no QR code can hold")
	}
	if _, _, ok := qr.Measure(huge); ok {
		t.Fatal("Measure accepted text no QR code can hold")
	}
}

func TestAnAWSURIDoesNotFitAnEightyByTwentyFourScreen(t *testing.T) {
	// Documents the number the onboarding screen depends on: a real otpauth URI needs more lines than a
	// 24-line terminal has, so at 80×24 the screen shows the grouped secret instead.
	_, h, _ := qr.Measure(uri)
	if h < 20 {
		t.Fatalf("height %d: the onboarding layout assumes a 24-line terminal cannot show this code", h)
	}
	t.Logf("AWS-shaped otpauth URI: %d lines", h)
}
