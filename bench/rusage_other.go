//go:build !unix

package bench

import "os"

// cpuSeconds is not measured on this platform.
func cpuSeconds() float64 { return 0 }

// maxRSSKiB is not measured on this platform.
func maxRSSKiB() int64 { return 0 }

// procCPUSeconds is not measured on this platform.
func procCPUSeconds(int) (float64, bool) { return 0, false }

// dumpSignal kills the child: there is no SIGQUIT here.
func dumpSignal(p *os.Process) error { return p.Kill() }
