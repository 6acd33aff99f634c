package cqlsim

import (
	"crypto/md5"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/ringscan/ringscan/internal/cqltype"
)

// columnKind is a column's role, as in system_schema.columns.kind.
type columnKind int

const (
	kindPartitionKey columnKind = iota
	kindClustering
	kindStatic
	kindRegular
)

func (k columnKind) String() string {
	switch k {
	case kindPartitionKey:
		return "partition_key"
	case kindClustering:
		return "clustering"
	case kindStatic:
		return "static"
	}
	return "regular"
}

// column is one column of a table.
type column struct {
	name string
	typ  cqltype.Type
	kind columnKind
	// pos is the position within the partition key or clustering key; -1
	// for static and regular columns.
	pos  int
	desc bool // clustering order DESC
	// cell is the index of the column's cell: within the partition key
	// cells for partition key columns, within the static row's cells for
	// static columns, within the row cells (clustering, then regular)
	// otherwise.
	cell int
}

// value is the index of a static or regular column among its row's value
// cells.
func (c *column) value(t *table) int {
	if c.kind == kindStatic {
		return c.cell
	}
	return c.cell - len(t.ck)
}

// table is a table definition; its data lives in store.
type table struct {
	keyspace string
	name     string
	id       [16]byte
	// columns in SELECT * order: partition key, clustering, static
	// columns, then regular columns, each group in name order (Cassandra's
	// TableMetadata.allColumnsInSelectOrder).
	columns []*column
	byName  map[string]*column
	pk      []*column
	ck      []*column
	static  []*column
	regular []*column
	options map[string]string // extra WITH options, for system_schema
	// counter is set for a counter table: every column outside the
	// primary key is a counter.
	counter bool
	// defaultTTL is default_time_to_live, in seconds; 0 for none.
	defaultTTL int32

	virtual *virtualTable // non-nil for system tables
	store   *store        // nil for virtual tables
}

func (t *table) column(name string) *column { return t.byName[name] }

// qualified returns ks.name.
func (t *table) qualified() string { return t.keyspace + "." + t.name }

// newTable builds a table and numbers its cells. Columns are given in any
// order; pk and ck give the key order.
func newTable(keyspace, name string, cols []*column, options map[string]string) *table {
	t := &table{keyspace: keyspace, name: name, byName: map[string]*column{}, options: options}
	t.id = md5.Sum([]byte(keyspace + "." + name))
	t.id[6] = t.id[6]&0x0f | 0x30 // a version-3 (name based) uuid
	t.id[8] = t.id[8]&0x3f | 0x80
	for _, c := range cols {
		switch c.kind {
		case kindPartitionKey:
			t.pk = append(t.pk, c)
		case kindClustering:
			t.ck = append(t.ck, c)
		case kindStatic:
			t.static = append(t.static, c)
		default:
			t.regular = append(t.regular, c)
		}
	}
	sort.SliceStable(t.pk, func(i, j int) bool { return t.pk[i].pos < t.pk[j].pos })
	sort.SliceStable(t.ck, func(i, j int) bool { return t.ck[i].pos < t.ck[j].pos })
	sort.SliceStable(t.static, func(i, j int) bool { return t.static[i].name < t.static[j].name })
	sort.SliceStable(t.regular, func(i, j int) bool { return t.regular[i].name < t.regular[j].name })
	for i, c := range t.pk {
		c.cell = i
	}
	for i, c := range t.ck {
		c.cell = i
	}
	for i, c := range t.static {
		c.cell = i
		c.pos = -1
	}
	for i, c := range t.regular {
		c.cell = len(t.ck) + i
		c.pos = -1
	}
	t.columns = slices.Concat(t.pk, t.ck, t.static, t.regular)
	for _, c := range t.columns {
		t.byName[c.name] = c
	}
	return t
}

// replication is a keyspace's replication settings.
type replication struct {
	class string         // SimpleStrategy, NetworkTopologyStrategy, LocalStrategy
	rf    int            // SimpleStrategy
	dcRF  map[string]int // NetworkTopologyStrategy
}

// asMap is the replication map as system_schema.keyspaces shows it.
func (r replication) asMap() map[string]string {
	m := map[string]string{"class": "org.apache.cassandra.locator." + r.class}
	switch r.class {
	case "SimpleStrategy":
		m["replication_factor"] = strconv.Itoa(r.rf)
	case "NetworkTopologyStrategy":
		for dc, n := range r.dcRF {
			m[dc] = strconv.Itoa(n)
		}
	}
	return m
}

// parseReplication validates a CREATE KEYSPACE replication map.
func parseReplication(m map[string]string, dcs map[string]bool) (replication, error) {
	class, ok := m["class"]
	if !ok {
		return replication{}, fmt.Errorf("Missing replication strategy class")
	}
	class = strings.TrimPrefix(class, "org.apache.cassandra.locator.")
	switch class {
	case "SimpleStrategy":
		rf, err := strconv.Atoi(m["replication_factor"])
		if err != nil || rf < 0 {
			return replication{}, fmt.Errorf("SimpleStrategy requires a replication_factor that is a non-negative integer, got %q", m["replication_factor"])
		}
		for k := range m {
			if k != "class" && k != "replication_factor" {
				return replication{}, fmt.Errorf("Unrecognized strategy option {%s} passed to SimpleStrategy for keyspace", k)
			}
		}
		return replication{class: class, rf: rf}, nil
	case "NetworkTopologyStrategy":
		r := replication{class: class, dcRF: map[string]int{}}
		for k, v := range m {
			if k == "class" {
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return replication{}, fmt.Errorf("Replication factor must be non-negative integer; found %s", v)
			}
			if k == "replication_factor" {
				for dc := range dcs {
					r.dcRF[dc] = n
				}
				continue
			}
			if !dcs[k] {
				return replication{}, fmt.Errorf("Unrecognized strategy option {%s} passed to NetworkTopologyStrategy for keyspace; data centers are %s", k, strings.Join(sortedKeys(dcs), ", "))
			}
			r.dcRF[k] = n
		}
		return r, nil
	case "LocalStrategy", "EverywhereStrategy":
		return replication{class: class}, nil
	}
	return replication{}, fmt.Errorf("Unable to find replication strategy class 'org.apache.cassandra.locator.%s'; use SimpleStrategy or NetworkTopologyStrategy", class)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// keyspace is a keyspace definition.
type keyspace struct {
	name          string
	repl          replication
	durableWrites bool
	tables        map[string]*table
	// types are the user-defined types by name, as defined (not frozen).
	types  map[string]cqltype.Type
	system bool
}

// schema is the cluster-wide schema, shared by every node (schema
// agreement always holds).
type schema struct {
	mu        sync.RWMutex
	keyspaces map[string]*keyspace
	version   [16]byte
	changes   uint64
	// v3 words errors as Cassandra 3.11 does (Config.ReleaseVersion).
	v3 bool
}

func (s *schema) bumpVersionLocked() {
	s.changes++
	s.version = md5.Sum([]byte("cqlsim-schema-" + strconv.FormatUint(s.changes, 10)))
	s.version[6] = s.version[6]&0x0f | 0x30
	s.version[8] = s.version[8]&0x3f | 0x80
}

func (s *schema) keyspace(name string) *keyspace {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.keyspaces[name]
}

// lookupTable finds ks.name with Cassandra's error messages.
func (s *schema) lookupTable(ks, name string) (*table, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k := s.keyspaces[ks]
	if k == nil {
		return nil, invalidf("Keyspace %s does not exist", ks)
	}
	t := k.tables[name]
	if t == nil {
		if s.v3 {
			return nil, invalidf("unconfigured table %s", name)
		}
		return nil, invalidf("table %s does not exist", name)
	}
	return t, nil
}

func (s *schema) versionString() [16]byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.version
}
