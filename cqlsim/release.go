package cqlsim

import (
	"fmt"
	"strconv"
	"strings"
)

// release is a Cassandra release version: the behaviour cqlsim follows
// where releases differ.
type release struct{ major, minor, patch int }

// parseRelease parses Config.ReleaseVersion: 3.11.x, 4.0.x or 4.1.x (the
// patch number is optional).
func parseRelease(s string) (release, error) {
	fields := strings.Split(s, ".")
	bad := fmt.Errorf("ReleaseVersion %q is not supported: cqlsim follows Cassandra 3.11.x, 4.0.x and 4.1.x (e.g. 4.1.3 or 3.11.16)", s)
	if len(fields) < 2 || len(fields) > 3 {
		return release{}, bad
	}
	var nums [3]int
	for i, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return release{}, bad
		}
		nums[i] = n
	}
	r := release{major: nums[0], minor: nums[1], patch: nums[2]}
	switch {
	case r.major == 3 && r.minor == 11, r.major == 4 && r.minor <= 1:
		return r, nil
	}
	return release{}, bad
}

// v4 reports whether the release is Cassandra 4.x: system.peers_v2,
// DESCRIBE, and the 4.x wording of schema errors.
func (r release) v4() bool { return r.major >= 4 }

// cqlVersion is the CQL version the release speaks (system.local's
// cql_version and OPTIONS' CQL_VERSION).
func (r release) cqlVersion() string {
	switch {
	case r.major == 3:
		return "3.4.4"
	case r.minor == 0:
		return "3.4.5"
	}
	return "3.4.6"
}
