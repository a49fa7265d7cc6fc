package accesskeys

import (
	"strings"
	"testing"

	"github.com/kagi-cli/kagi/session"
)

// Every step session.Rotate reports must be one the screen shows, in Rotate's order, or progress would stall.
func TestRotationStepsFollowRotate(t *testing.T) {
	var points []string
	for _, p := range session.RotateHookPoints() {
		if !strings.Contains(p, "/") && p != "creating" { // "creating" comes before CreateAccessKey: nothing done yet
			points = append(points, p)
		}
	}
	var shown []string
	for _, s := range rotationSteps {
		shown = append(shown, s.point)
	}
	if strings.Join(points, " ") != strings.Join(shown, " ") {
		t.Fatalf("Rotate reports %v, the screen shows %v", points, shown)
	}
}
