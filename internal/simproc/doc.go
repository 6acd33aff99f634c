// Package simproc runs cqlsim in a child process ("ringscan sim"), for
// benchmarks that must measure the scanning side alone: its heap, its CPU
// time.
package simproc
