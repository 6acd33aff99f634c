package cqlsim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Fault makes a node answer requests on user tables with an error. Requests
// on system keyspaces (what drivers read to connect) are never failed.
type Fault struct {
	Kind ErrorKind
	// Rate fails each eligible request with this probability (0..1).
	Rate float64
	// Nth, when positive, fails exactly the Nth eligible request the node
	// receives after the fault is set (1 is the next one).
	Nth int64
	// Match, when set, makes only the statements whose CQL text contains
	// it eligible (for example "count(*)"), for tests that fail one kind
	// of request. Default: every statement on a user table.
	Match string
}

func (f Fault) validate() error {
	if _, ok := errorKindNames[f.Kind]; !ok {
		return fmt.Errorf("fault kind %d is unknown", f.Kind)
	}
	if f.Rate < 0 || f.Rate > 1 {
		return fmt.Errorf("fault rate %v is outside 0..1", f.Rate)
	}
	if f.Nth < 0 {
		return fmt.Errorf("fault Nth %d is negative", f.Nth)
	}
	if f.Rate == 0 && f.Nth == 0 {
		return fmt.Errorf("fault %s has neither a rate nor an Nth request", f.Kind)
	}
	return nil
}

// faultState is a node's injected faults and added latency.
type faultState struct {
	latency atomic.Pointer[Latency]

	mu       sync.Mutex
	faults   []Fault
	eligible []int64 // per fault, its eligible requests since the faults were set
	rng      *rand.Rand
	injected map[ErrorKind]int64
}

func (s *faultState) init(seed uint64, l Latency, faults []Fault) {
	s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	s.injected = map[ErrorKind]int64{}
	s.latency.Store(&l)
	s.set(faults)
}

// set replaces the faults and restarts their request counts; s.mu is held
// or s is not shared yet.
func (s *faultState) set(faults []Fault) {
	s.faults = slices.Clone(faults)
	s.eligible = make([]int64, len(faults))
}

// next decides whether the next request, of CQL text query, fails, and
// how. A write is not eligible for OversizedFrame: its answer is never a
// page.
func (s *faultState) next(query string, write bool) (ErrorKind, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kind, failed := ErrorKind(0), false
	for i, f := range s.faults {
		if f.Match != "" && !strings.Contains(query, f.Match) || write && f.Kind == OversizedFrame {
			continue
		}
		s.eligible[i]++
		if failed {
			continue // counted as eligible all the same
		}
		if (f.Nth > 0 && f.Nth == s.eligible[i]) || (f.Rate > 0 && s.rng.Float64() < f.Rate) {
			kind, failed = f.Kind, true
			s.injected[f.Kind]++
		}
	}
	return kind, failed
}

// delay returns the added latency for one request.
func (s *faultState) delay(nonReplica bool) time.Duration {
	l := s.latency.Load()
	d := l.Fixed
	if l.Jitter > 0 {
		s.mu.Lock()
		d += time.Duration(s.rng.Int64N(int64(l.Jitter)))
		s.mu.Unlock()
	}
	if nonReplica {
		d += l.NonReplica
	}
	return d
}
