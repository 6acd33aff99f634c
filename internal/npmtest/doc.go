// Package npmtest gives tests the npm packages that a package.json and
// package-lock.json pin, for checks that run a Node.js program against
// what the Go code produced (another driver, another Parquet reader).
//
// # Where the packages come from
//
// CI runs `npm ci` in the test's directory first (.ci/run), so that a
// registry failure shows as its own step; Dir then uses those
// node_modules when they hold the pinned version. Otherwise, as on a
// developer's machine, it installs them once into the user's cache
// directory, keyed by a hash of the two files, with `npm ci` in a fresh
// directory renamed into place, so that a failed or concurrent install
// never leaves a half-filled directory behind.
//
// Tests skip when node or npm is not on PATH, or when RINGSCAN_SKIP_NODE=1
// (offline machines); an install that fails fails the test with npm's
// output.
package npmtest
