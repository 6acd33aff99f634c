package ring

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// ErrInvalidReplication is wrapped by the errors of ParseReplication and
// Replication.Validate.
var ErrInvalidReplication = errors.New("invalid replication")

// ReplicationStrategy is a keyspace replication strategy (Cassandra's
// replication class). The zero value is not a strategy: a Replication must
// say which one it uses.
type ReplicationStrategy uint8

// The understood replication strategies.
const (
	_ ReplicationStrategy = iota
	// SimpleStrategy places a range's replicas on the next Factor distinct
	// hosts clockwise from the range's end, ignoring data centers and racks.
	SimpleStrategy
	// NetworkTopologyStrategy places DCs[dc] replicas in each data center,
	// on distinct racks where it can (see Ring.Replicas).
	NetworkTopologyStrategy
	// LocalStrategy keyspaces (system, ...) are node-local: every node holds
	// its own data, which is not replicated. Every host is listed as a
	// replica, in ring order; a scan reads whichever node serves each range.
	LocalStrategy
	// EverywhereStrategy (ScyllaDB, DSE) keeps a full copy on every host;
	// every host is a replica, in ring order.
	EverywhereStrategy
)

func (s ReplicationStrategy) String() string {
	switch s {
	case SimpleStrategy:
		return "SimpleStrategy"
	case NetworkTopologyStrategy:
		return "NetworkTopologyStrategy"
	case LocalStrategy:
		return "LocalStrategy"
	case EverywhereStrategy:
		return "EverywhereStrategy"
	}
	return "Strategy(" + strconv.Itoa(int(s)) + ")"
}

// Replication is a keyspace's replication setting.
type Replication struct {
	Strategy ReplicationStrategy
	// Factor is SimpleStrategy's replication factor. For
	// NetworkTopologyStrategy it is the factor of every data center that DCs
	// does not list (a "replication_factor" option; Cassandra expands it at
	// CREATE time, so schemas rarely show it). Ignored by the other
	// strategies.
	Factor int
	// DCs is NetworkTopologyStrategy's replication factor per data center. A
	// data center listed here but absent from the ring is ignored, as
	// Cassandra does.
	DCs map[string]int
}

const (
	locatorPrefix    = "org.apache.cassandra.locator."
	replicationClass = "class"
	replicationRF    = "replication_factor"
)

// ParseReplication parses a keyspace's replication map as the drivers return
// it (system_schema.keyspaces.replication), for example
//
//	{"class": "org.apache.cassandra.locator.SimpleStrategy", "replication_factor": "3"}
//	{"class": "NetworkTopologyStrategy", "dc1": "3", "dc2": "2"}
//
// Class names are accepted with or without the org.apache.cassandra.locator.
// prefix. A factor may be written "N/T" (transient replication): the N
// replicas all count, transient ones included, because routing only picks a
// coordinator. ScyllaDB's "initial_tablets" option is ignored. The result is
// validated.
func ParseReplication(m map[string]string) (Replication, error) {
	class, ok := m[replicationClass]
	if !ok {
		return Replication{}, fmt.Errorf("%w: no %q in %v", ErrInvalidReplication, replicationClass, m)
	}
	var rep Replication
	switch strings.TrimPrefix(strings.TrimSpace(class), locatorPrefix) {
	case "SimpleStrategy":
		rep.Strategy = SimpleStrategy
		s, ok := m[replicationRF]
		if !ok {
			return Replication{}, fmt.Errorf("%w: SimpleStrategy without %q", ErrInvalidReplication, replicationRF)
		}
		rf, err := parseFactor(replicationRF, s)
		if err != nil {
			return Replication{}, err
		}
		rep.Factor = rf
	case "NetworkTopologyStrategy":
		rep.Strategy = NetworkTopologyStrategy
		rep.DCs = make(map[string]int)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if k == replicationClass || k == "initial_tablets" {
				continue
			}
			rf, err := parseFactor(k, m[k])
			if err != nil {
				return Replication{}, err
			}
			if k == replicationRF {
				rep.Factor = rf
				continue
			}
			rep.DCs[k] = rf
		}
	case "LocalStrategy":
		rep.Strategy = LocalStrategy
	case "EverywhereStrategy":
		rep.Strategy = EverywhereStrategy
	default:
		return Replication{}, fmt.Errorf("%w: unknown replication class %q", ErrInvalidReplication, class)
	}
	if err := rep.Validate(); err != nil {
		return Replication{}, err
	}
	return rep, nil
}

// parseFactor parses "3" or Cassandra's transient form "3/1" (3 replicas, 1
// of them transient), returning all replicas.
func parseFactor(key, s string) (int, error) {
	all, transient, hasTransient := strings.Cut(strings.TrimSpace(s), "/")
	n, err := strconv.Atoi(all)
	if err == nil && hasTransient {
		var t int
		t, err = strconv.Atoi(transient)
		if err == nil && (t < 0 || t > n) {
			err = errors.New("bad transient count")
		}
	}
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: %s is %q, want a replication factor >= 0", ErrInvalidReplication, key, s)
	}
	return n, nil
}

// Validate checks that the replication can place at least one replica:
// a known strategy, SimpleStrategy's Factor >= 1, NetworkTopologyStrategy's
// factors >= 0 with at least one > 0. It reports every violation.
func (r Replication) Validate() error {
	var errs []error
	switch r.Strategy {
	case SimpleStrategy:
		if r.Factor < 1 {
			errs = append(errs, fmt.Errorf("%w: SimpleStrategy Factor is %d, want >= 1", ErrInvalidReplication, r.Factor))
		}
	case NetworkTopologyStrategy:
		positive := r.Factor > 0
		if r.Factor < 0 {
			errs = append(errs, fmt.Errorf("%w: NetworkTopologyStrategy Factor is %d, want >= 0", ErrInvalidReplication, r.Factor))
		}
		for _, dc := range slices.Sorted(maps.Keys(r.DCs)) {
			rf := r.DCs[dc]
			if rf < 0 {
				errs = append(errs, fmt.Errorf("%w: NetworkTopologyStrategy factor of DC %q is %d, want >= 0", ErrInvalidReplication, dc, rf))
			}
			positive = positive || rf > 0
		}
		if !positive {
			errs = append(errs, fmt.Errorf("%w: NetworkTopologyStrategy places no replica (every factor is 0)", ErrInvalidReplication))
		}
	case LocalStrategy, EverywhereStrategy:
	default:
		errs = append(errs, fmt.Errorf("%w: Strategy is %v, want SimpleStrategy, NetworkTopologyStrategy, LocalStrategy or EverywhereStrategy", ErrInvalidReplication, r.Strategy))
	}
	return errors.Join(errs...)
}

// factorOf returns the NetworkTopologyStrategy factor of a data center.
func (r Replication) factorOf(dc string) int {
	if rf, ok := r.DCs[dc]; ok {
		return rf
	}
	return r.Factor
}

// String formats the replication like a CQL replication map.
func (r Replication) String() string {
	var b strings.Builder
	b.WriteString("{class: " + r.Strategy.String())
	switch r.Strategy {
	case SimpleStrategy:
		b.WriteString(", replication_factor: " + strconv.Itoa(r.Factor))
	case NetworkTopologyStrategy:
		if r.Factor != 0 {
			b.WriteString(", replication_factor: " + strconv.Itoa(r.Factor))
		}
		for _, dc := range slices.Sorted(maps.Keys(r.DCs)) {
			b.WriteString(", " + dc + ": " + strconv.Itoa(r.DCs[dc]))
		}
	}
	b.WriteString("}")
	return b.String()
}
