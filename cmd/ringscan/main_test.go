package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestEmbedsTimeZones checks that the command embeds the IANA time zone
// database, so that --time-zone works where the system has none: the
// system's zoneinfo, when present, is read first, so running the binary
// here cannot tell.
func TestEmbedsTimeZones(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	if !strings.Contains(" "+strings.TrimSpace(string(out))+" ", " time/tzdata ") {
		t.Fatalf("cmd/ringscan does not import time/tzdata; imports: %s", out)
	}
}
