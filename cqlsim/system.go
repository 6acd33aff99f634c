package cqlsim

import (
	"fmt"
	"maps"
	"math"
	"net"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/ringscan/ringscan/internal/cqltype"
)

// virtualTable is a system table whose rows are computed at read time from
// the cluster state, for the node that coordinates the read.
type virtualTable struct {
	rows func(n *Node) []map[string]any
}

// colDef is name and CQL type text.
type colDef struct{ name, typ string }

// addVirtual adds a system table. pk and ck name the key columns among cols.
func addVirtual(ks *keyspace, name string, pk, ck []string, cols []colDef, rows func(*Node) []map[string]any) {
	var defs []*column
	for _, d := range cols {
		typ, err := cqltype.Parse(d.typ)
		if err != nil {
			panic(fmt.Sprintf("cqlsim: bad system column type %q: %v", d.typ, err)) // a bug in this file
		}
		col := &column{name: d.name, typ: typ, kind: kindRegular, pos: -1}
		for i, n := range pk {
			if n == d.name {
				col.kind, col.pos = kindPartitionKey, i
			}
		}
		for i, n := range ck {
			if n == d.name {
				col.kind, col.pos = kindClustering, i
			}
		}
		defs = append(defs, col)
	}
	t := newTable(ks.name, name, defs, nil)
	t.virtual = &virtualTable{rows: rows}
	ks.tables[name] = t
}

func newSchema(c *Cluster) *schema {
	s := &schema{keyspaces: map[string]*keyspace{}, v3: !c.rel.v4()}
	s.bumpVersionLocked()
	sys := &keyspace{name: "system", repl: replication{class: "LocalStrategy"}, durableWrites: true, tables: map[string]*table{}, system: true}
	sch := &keyspace{name: "system_schema", repl: replication{class: "LocalStrategy"}, durableWrites: true, tables: map[string]*table{}, system: true}
	vs := &keyspace{name: "system_virtual_schema", repl: replication{class: "LocalStrategy"}, durableWrites: true, tables: map[string]*table{}, system: true}
	s.keyspaces["system"], s.keyspaces["system_schema"], s.keyspaces["system_virtual_schema"] = sys, sch, vs

	addVirtual(sys, "local", []string{"key"}, nil, []colDef{
		{"key", "text"}, {"bootstrapped", "text"}, {"broadcast_address", "inet"}, {"broadcast_port", "int"},
		{"cluster_name", "text"}, {"cql_version", "text"}, {"data_center", "text"}, {"gossip_generation", "int"},
		{"host_id", "uuid"}, {"listen_address", "inet"}, {"listen_port", "int"}, {"native_protocol_version", "text"},
		{"partitioner", "text"}, {"rack", "text"}, {"release_version", "text"}, {"rpc_address", "inet"},
		{"rpc_port", "int"}, {"schema_version", "uuid"}, {"tokens", "set<text>"}, {"truncated_at", "map<uuid, blob>"},
	}, func(n *Node) []map[string]any {
		return []map[string]any{{
			"key": "local", "bootstrapped": "COMPLETED", "broadcast_address": n.ip, "broadcast_port": int32(7000),
			"cluster_name": c.cfg.ClusterName, "cql_version": c.rel.cqlVersion(), "data_center": n.dc, "gossip_generation": int32(1700000000),
			"host_id": cqltype.UUID(n.hostID), "listen_address": n.ip, "listen_port": int32(7000), "native_protocol_version": "4",
			"partitioner": c.Partitioner(), "rack": n.rack, "release_version": c.cfg.ReleaseVersion, "rpc_address": n.ip,
			"rpc_port": int32(c.port), "schema_version": cqltype.UUID(c.schema.versionString()), "tokens": n.Tokens(),
		}}
	})
	addVirtual(sys, "peers", []string{"peer"}, nil, []colDef{
		{"peer", "inet"}, {"data_center", "text"}, {"host_id", "uuid"}, {"preferred_ip", "inet"}, {"rack", "text"},
		{"release_version", "text"}, {"rpc_address", "inet"}, {"schema_version", "uuid"}, {"tokens", "set<text>"},
	}, func(n *Node) []map[string]any {
		var rows []map[string]any
		for _, p := range c.nodes {
			if p == n {
				continue
			}
			rows = append(rows, map[string]any{
				"peer": p.ip, "data_center": p.dc, "host_id": cqltype.UUID(p.hostID), "rack": p.rack,
				"release_version": c.cfg.ReleaseVersion, "rpc_address": p.ip,
				"schema_version": cqltype.UUID(c.schema.versionString()), "tokens": p.Tokens(),
			})
		}
		return rows
	})
	if c.rel.v4() {
		// Cassandra 4.0 added peers_v2 (SystemKeyspace.PeersV2), with the
		// ports of every address; peers stays for older drivers.
		addVirtual(sys, "peers_v2", []string{"peer"}, []string{"peer_port"}, []colDef{
			{"peer", "inet"}, {"peer_port", "int"}, {"data_center", "text"}, {"host_id", "uuid"},
			{"native_address", "inet"}, {"native_port", "int"}, {"preferred_ip", "inet"}, {"preferred_port", "int"},
			{"rack", "text"}, {"release_version", "text"}, {"schema_version", "uuid"}, {"tokens", "set<text>"},
		}, func(n *Node) []map[string]any {
			var rows []map[string]any
			for _, p := range c.nodes {
				if p == n {
					continue
				}
				rows = append(rows, map[string]any{
					"peer": p.ip, "peer_port": int32(7000), "data_center": p.dc, "host_id": cqltype.UUID(p.hostID),
					"native_address": p.ip, "native_port": int32(c.port), "rack": p.rack,
					"release_version": c.cfg.ReleaseVersion, "schema_version": cqltype.UUID(c.schema.versionString()),
					"tokens": p.Tokens(),
				})
			}
			return rows
		})
	}
	addVirtual(sys, "size_estimates", []string{"keyspace_name"}, []string{"table_name", "range_start", "range_end"}, []colDef{
		{"keyspace_name", "text"}, {"table_name", "text"}, {"range_start", "text"}, {"range_end", "text"},
		{"mean_partition_size", "bigint"}, {"partitions_count", "bigint"},
	}, c.sizeEstimates)
	// The statements prepared on the node, in the shape Cassandra keeps
	// them in (since 3.10), to prepare them again at start-up; cqlsim's
	// node forgets them when it restarts (Node.Up) instead.
	addVirtual(sys, "prepared_statements", []string{"prepared_id"}, nil, []colDef{
		{"prepared_id", "blob"}, {"logged_keyspace", "text"}, {"query_string", "text"},
	}, preparedStatements)

	c.addSchemaTables(sch, s)
	for _, name := range []string{"keyspaces", "tables", "columns"} {
		cols := map[string][]colDef{
			"keyspaces": {{"keyspace_name", "text"}},
			"tables":    {{"keyspace_name", "text"}, {"table_name", "text"}, {"comment", "text"}},
			"columns": {{"keyspace_name", "text"}, {"table_name", "text"}, {"column_name", "text"}, {"clustering_order", "text"},
				{"column_name_bytes", "blob"}, {"kind", "text"}, {"position", "int"}, {"type", "text"}},
		}[name]
		ck := map[string][]string{"keyspaces": nil, "tables": {"table_name"}, "columns": {"table_name", "column_name"}}[name]
		rows := map[string]func(*Node) []map[string]any{
			"keyspaces": func(*Node) []map[string]any {
				var rows []map[string]any
				for _, ks := range s.snapshot() {
					if isVirtualKeyspace(ks) {
						rows = append(rows, map[string]any{"keyspace_name": ks.name})
					}
				}
				return rows
			},
			"tables": func(*Node) []map[string]any {
				var rows []map[string]any
				for _, ks := range s.snapshot() {
					if isVirtualKeyspace(ks) {
						for _, t := range sortedTables(ks) {
							rows = append(rows, map[string]any{"keyspace_name": ks.name, "table_name": t.name, "comment": ""})
						}
					}
				}
				return rows
			},
			"columns": func(*Node) []map[string]any { return s.columnRows(true) },
		}[name]
		addVirtual(vs, name, []string{"keyspace_name"}, ck, cols, rows)
	}
	return s
}

// isVirtualKeyspace tells the keyspaces that Cassandra 4 describes in
// system_virtual_schema instead of system_schema; drivers mark their
// metadata virtual.
func isVirtualKeyspace(ks *keyspace) bool { return ks.name == "system_virtual_schema" }

// columnRows are the rows of system_schema.columns (virtual false) or of
// system_virtual_schema.columns (virtual true).
func (s *schema) columnRows(virtual bool) []map[string]any {
	var rows []map[string]any
	for _, ks := range s.snapshot() {
		if isVirtualKeyspace(ks) != virtual {
			continue
		}
		for _, t := range sortedTables(ks) {
			for _, col := range t.columns {
				order := "none"
				if col.kind == kindClustering {
					order = "asc"
					if col.desc {
						order = "desc"
					}
				}
				rows = append(rows, map[string]any{
					"keyspace_name": ks.name, "table_name": t.name, "column_name": col.name, "clustering_order": order,
					"column_name_bytes": []byte(col.name), "kind": col.kind.String(), "position": int32(col.pos),
					"type": col.typ.String(),
				})
			}
		}
	}
	return rows
}

// typeRows are the rows of system_schema.types, as Cassandra writes them:
// field types as in system_schema.columns (user types unqualified,
// frozen<> where they are frozen), in definition order.
func (s *schema) typeRows() []map[string]any {
	var rows []map[string]any
	for _, ks := range s.snapshot() {
		s.mu.RLock()
		names := sortedKeys(ks.types)
		types := make([]cqltype.Type, len(names))
		for i, n := range names {
			types[i] = ks.types[n]
		}
		s.mu.RUnlock()
		for _, t := range types {
			fieldTypes := make([]string, len(t.Elems))
			for i, e := range t.Elems {
				fieldTypes[i] = e.String()
			}
			rows = append(rows, map[string]any{"keyspace_name": ks.name, "type_name": t.Name,
				"field_names": t.Fields, "field_types": fieldTypes})
		}
	}
	return rows
}

// addSchemaTables adds the system_schema tables drivers read for metadata.
func (c *Cluster) addSchemaTables(sch *keyspace, s *schema) {
	frozenMap := "frozen<map<text, text>>"
	addVirtual(sch, "keyspaces", []string{"keyspace_name"}, nil, []colDef{
		{"keyspace_name", "text"}, {"durable_writes", "boolean"}, {"replication", frozenMap},
	}, func(*Node) []map[string]any {
		var rows []map[string]any
		for _, ks := range s.snapshot() {
			if isVirtualKeyspace(ks) {
				continue
			}
			rows = append(rows, map[string]any{"keyspace_name": ks.name, "durable_writes": ks.durableWrites, "replication": ks.repl.asMap()})
		}
		return rows
	})
	addVirtual(sch, "tables", []string{"keyspace_name"}, []string{"table_name"}, []colDef{
		{"keyspace_name", "text"}, {"table_name", "text"}, {"additional_write_policy", "text"},
		{"bloom_filter_fp_chance", "double"}, {"caching", frozenMap}, {"cdc", "boolean"}, {"comment", "text"},
		{"compaction", frozenMap}, {"compression", frozenMap}, {"crc_check_chance", "double"},
		{"dclocal_read_repair_chance", "double"}, {"default_time_to_live", "int"}, {"extensions", "frozen<map<text, blob>>"},
		{"flags", "frozen<set<text>>"}, {"gc_grace_seconds", "int"}, {"id", "uuid"}, {"max_index_interval", "int"},
		{"memtable_flush_period_in_ms", "int"}, {"min_index_interval", "int"}, {"read_repair", "text"},
		{"read_repair_chance", "double"}, {"speculative_retry", "text"},
	}, func(*Node) []map[string]any {
		var rows []map[string]any
		for _, ks := range s.snapshot() {
			if isVirtualKeyspace(ks) {
				continue
			}
			for _, t := range sortedTables(ks) {
				comment := t.options["comment"]
				flags := []string{"compound"}
				if t.counter {
					flags = append(flags, "counter")
				}
				rows = append(rows, map[string]any{
					"keyspace_name": ks.name, "table_name": t.name, "additional_write_policy": defaultSpeculativeRetry,
					"bloom_filter_fp_chance": defaultBloomFilterFPChance, "caching": defaultCaching,
					"cdc": false, "comment": comment,
					"compaction":       defaultCompaction,
					"compression":      defaultCompression,
					"crc_check_chance": defaultCRCCheckChance, "dclocal_read_repair_chance": 0.0, "default_time_to_live": t.defaultTTL,
					"extensions": map[string][]byte{}, "flags": flags, "gc_grace_seconds": int32(defaultGCGraceSeconds),
					"id": cqltype.UUID(t.id), "max_index_interval": int32(defaultMaxIndexInterval), "memtable_flush_period_in_ms": int32(0),
					"min_index_interval": int32(defaultMinIndexInterval), "read_repair": defaultReadRepair, "read_repair_chance": 0.0, "speculative_retry": defaultSpeculativeRetry,
				})
			}
		}
		return rows
	})
	addVirtual(sch, "columns", []string{"keyspace_name"}, []string{"table_name", "column_name"}, []colDef{
		{"keyspace_name", "text"}, {"table_name", "text"}, {"column_name", "text"}, {"clustering_order", "text"},
		{"column_name_bytes", "blob"}, {"kind", "text"}, {"position", "int"}, {"type", "text"},
	}, func(*Node) []map[string]any { return s.columnRows(false) })
	empty := func(*Node) []map[string]any { return nil }
	listText := "frozen<list<text>>"
	addVirtual(sch, "views", []string{"keyspace_name"}, []string{"view_name"}, []colDef{
		{"keyspace_name", "text"}, {"view_name", "text"}, {"base_table_id", "uuid"}, {"base_table_name", "text"},
		{"bloom_filter_fp_chance", "double"}, {"caching", frozenMap}, {"cdc", "boolean"}, {"comment", "text"},
		{"compaction", frozenMap}, {"compression", frozenMap}, {"crc_check_chance", "double"},
		{"dclocal_read_repair_chance", "double"}, {"default_time_to_live", "int"}, {"extensions", "frozen<map<text, blob>>"},
		{"gc_grace_seconds", "int"}, {"id", "uuid"}, {"include_all_columns", "boolean"}, {"max_index_interval", "int"},
		{"memtable_flush_period_in_ms", "int"}, {"min_index_interval", "int"}, {"read_repair_chance", "double"},
		{"speculative_retry", "text"}, {"where_clause", "text"},
	}, empty)
	addVirtual(sch, "types", []string{"keyspace_name"}, []string{"type_name"}, []colDef{
		{"keyspace_name", "text"}, {"type_name", "text"}, {"field_names", listText}, {"field_types", listText},
	}, func(*Node) []map[string]any { return s.typeRows() })
	addVirtual(sch, "functions", []string{"keyspace_name"}, []string{"function_name", "argument_types"}, []colDef{
		{"keyspace_name", "text"}, {"function_name", "text"}, {"argument_types", listText}, {"argument_names", listText},
		{"body", "text"}, {"called_on_null_input", "boolean"}, {"language", "text"}, {"return_type", "text"},
	}, empty)
	addVirtual(sch, "aggregates", []string{"keyspace_name"}, []string{"aggregate_name", "argument_types"}, []colDef{
		{"keyspace_name", "text"}, {"aggregate_name", "text"}, {"argument_types", listText}, {"final_func", "text"},
		{"initcond", "text"}, {"return_type", "text"}, {"state_func", "text"}, {"state_type", "text"},
	}, empty)
	addVirtual(sch, "indexes", []string{"keyspace_name"}, []string{"table_name", "index_name"}, []colDef{
		{"keyspace_name", "text"}, {"table_name", "text"}, {"index_name", "text"}, {"kind", "text"}, {"options", frozenMap},
	}, empty)
	addVirtual(sch, "triggers", []string{"keyspace_name"}, []string{"table_name", "trigger_name"}, []colDef{
		{"keyspace_name", "text"}, {"table_name", "text"}, {"trigger_name", "text"}, {"options", frozenMap},
	}, empty)
}

// snapshot lists the keyspaces in name order.
func (s *schema) snapshot() []*keyspace {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*keyspace, 0, len(s.keyspaces))
	for _, name := range sortedKeys(s.keyspaces) {
		out = append(out, s.keyspaces[name])
	}
	return out
}

func sortedTables(ks *keyspace) []*table {
	out := make([]*table, 0, len(ks.tables))
	for _, name := range sortedKeys(ks.tables) {
		out = append(out, ks.tables[name])
	}
	return out
}

// preparedStatements are node n's rows of system.prepared_statements:
// not those of a table dropped since (stale), which Cassandra evicts from
// its cache and deletes from the table when the table is dropped
// (QueryProcessor's removal of invalid prepared statements).
func preparedStatements(n *Node) []map[string]any {
	n.mu.Lock()
	prepared := slices.Collect(maps.Values(n.prepared))
	n.mu.Unlock()
	rows := make([]map[string]any, 0, len(prepared))
	for _, p := range prepared {
		if p.stmt.stale(n.cluster.schema) {
			continue
		}
		row := map[string]any{"prepared_id": p.id, "query_string": p.stmt.query}
		if p.keyspace != "" {
			row["logged_keyspace"] = p.keyspace
		}
		rows = append(rows, row)
	}
	return rows
}

// sizeEstimates are node n's rows of system.size_estimates: computed now,
// or its last snapshot (Config.SizeEstimates.Refresh).
func (c *Cluster) sizeEstimates(n *Node) []map[string]any {
	if c.cfg.SizeEstimates.Refresh == 0 {
		// Computed from the data, once per state of it: Cassandra reads
		// them from a table it refreshes in the background, a read that
		// costs next to nothing, as a cached one does here.
		key := c.dataVersion()
		if e := n.computed.Load(); e != nil && slices.Equal(e.key, key) {
			return e.rows
		}
		rows := c.computeSizeEstimates(n)
		n.computed.Store(&estimatesAt{key: key, rows: rows})
		return rows
	}
	if rows := n.estimates.Load(); rows != nil {
		return *rows
	}
	return nil
}

// estimatesAt are size estimates computed at one state of the data.
type estimatesAt struct {
	key  []storeGen
	rows []map[string]any
}

// storeGen is a table's store at a count of writes to it.
type storeGen struct {
	s   *store
	gen uint64
}

// dataVersion is the state of the user tables' data: every table's store
// with the count of writes to it. (The estimates count partitions from
// their rows as written, whether a TTL has expired since or not, cached or
// not.)
func (c *Cluster) dataVersion() []storeGen {
	var v []storeGen
	for _, ks := range c.schema.snapshot() {
		if ks.system {
			continue
		}
		for _, t := range sortedTables(ks) {
			v = append(v, storeGen{t.store, t.store.gen.Load()})
		}
	}
	return v
}

// RefreshSizeEstimates takes a new snapshot of every node's size estimates,
// as Cassandra's periodic refresh does, when Config.SizeEstimates.Refresh
// is set (they are computed when read otherwise).
func (c *Cluster) RefreshSizeEstimates() {
	for _, n := range c.nodes {
		rows := c.computeSizeEstimates(n)
		n.estimates.Store(&rows)
	}
}

// refreshEstimates refreshes the snapshots every interval until done.
func (c *Cluster) refreshEstimates(interval time.Duration, done <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			c.RefreshSizeEstimates()
		case <-done:
			return
		}
	}
}

// computeSizeEstimates computes system.size_estimates for node n's primary
// ranges (the ranges ending at its tokens) from the stored data, with the
// node's skew factor. The range that wraps around the ring is given as two
// ranges, as Cassandra does.
func (c *Cluster) computeSizeEstimates(n *Node) []map[string]any {
	skew := 1.0
	if n.index < len(c.cfg.SizeEstimates.Skew) && c.cfg.SizeEstimates.Skew[n.index] > 0 {
		skew = c.cfg.SizeEstimates.Skew[n.index]
	}
	type rng struct{ start, end tok }
	var ranges []rng
	for i, e := range c.ring {
		if e.node != n {
			continue
		}
		prev := c.ring[(i+len(c.ring)-1)%len(c.ring)].tok
		if prev.cmp(e.tok) < 0 && len(c.ring) > 1 {
			ranges = append(ranges, rng{prev, e.tok})
			continue
		}
		ranges = append(ranges, rng{prev, tok{hi: ^uint64(0), lo: ^uint64(0)}}, rng{tok{}, e.tok})
	}
	var rows []map[string]any
	for _, ks := range c.schema.snapshot() {
		if ks.system {
			continue
		}
		for _, t := range sortedTables(ks) {
			for _, r := range ranges {
				count, size := t.store.rangeStats(r.start, r.end)
				mean := int64(0)
				if count > 0 {
					mean = size / count
				}
				count = int64(math.Round(float64(count) * skew))
				rows = append(rows, map[string]any{
					"keyspace_name": ks.name, "table_name": t.name,
					"range_start": c.boundString(r.start), "range_end": c.boundString(r.end),
					"mean_partition_size": mean, "partitions_count": count,
				})
			}
		}
	}
	return rows
}

// boundString formats a range bound; the top of the ring is shown as the
// minimum token, as Cassandra does for ranges ending at the ring's end.
func (c *Cluster) boundString(t tok) string {
	if t == (tok{hi: ^uint64(0), lo: ^uint64(0)}) || t == (tok{}) {
		if c.random {
			return "-1"
		}
		return strconv.FormatInt(-1<<63, 10)
	}
	return c.tokenString(t)
}

// rangeStats counts the partitions with a live row whose token is in
// (start, end], and their bytes.
func (s *store) rangeStats(start, end tok) (count, size int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.tree.AscendGreaterOrEqual(&partition{tok: start}, func(p *partition) bool {
		if p.tok.cmp(start) <= 0 {
			return true
		}
		if p.tok.cmp(end) > 0 {
			return false
		}
		psize := int64(len(p.key))
		live := false
		for _, r := range p.rows {
			if !r.dead {
				live = true
				psize += int64(len(r.cells))
			}
		}
		if live {
			count++
			size += psize
		}
		return true
	})
	return count, size
}

// encodeVirtualRow turns a generated row into partition key cells and row
// cells.
func encodeVirtualRow(t *table, m map[string]any) (pk, cells [][]byte, err error) {
	pk = make([][]byte, len(t.pk))
	cells = make([][]byte, len(t.ck)+len(t.regular))
	for _, col := range t.columns {
		v, ok := m[col.name]
		if !ok || v == nil {
			continue
		}
		if ip, isIP := v.(net.IP); isIP {
			if v4 := ip.To4(); v4 != nil {
				v = v4
			}
		}
		b, err := cqltype.Encode(col.typ, v)
		if err != nil {
			return nil, nil, fmt.Errorf("system table %s column %s: %w", t.qualified(), col.name, err)
		}
		if col.kind == kindPartitionKey {
			pk[col.cell] = b
		} else {
			cells[col.cell] = b
		}
	}
	return pk, cells, nil
}

// virtual pages through a system table; offset rows were returned before.
func (s *scan) virtual(n *Node, offset int32) error {
	t := s.p.t
	gen := t.virtual.rows(n)
	type vrow struct {
		pk, cells [][]byte
		ck        []byte // packed clustering cells, for sorting
	}
	var vrows []vrow
	for _, m := range gen {
		pk, cells, err := encodeVirtualRow(t, m)
		if err != nil {
			return serverf("%v", err)
		}
		vrows = append(vrows, vrow{pk: pk, cells: cells, ck: packCells(nil, cells[:len(t.ck)])})
	}
	// Order as Cassandra would for display stability: by the key columns.
	sort.SliceStable(vrows, func(i, j int) bool {
		for k, col := range t.pk {
			if r := cqltype.Compare(col.typ, vrows[i].pk[k], vrows[j].pk[k]); r != 0 {
				return r < 0
			}
		}
		return t.compareCK(vrows[i].ck, vrows[j].ck) < 0
	})
	matched := int32(0)
	for _, r := range vrows {
		ok := true
		for i := range s.filters {
			if !s.filters[i].match(rowCells{pk: r.pk, cells: r.cells}) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		matched++
		if matched <= offset {
			continue
		}
		if s.pageSize > 0 && int(s.w.count) >= s.pageSize {
			s.more = true
			return nil
		}
		if s.p.count {
			s.counted++
			continue
		}
		s.w.count++
		for _, o := range s.p.out {
			switch {
			case o.kind == outToken:
				_, tk := s.c.partitionKey(r.pk)
				s.w.buf = cqltype.AppendValue(s.w.buf, s.c.tokenBytes(tk))
			case o.col.kind == kindPartitionKey:
				s.w.buf = cqltype.AppendValue(s.w.buf, r.pk[o.col.cell])
			default:
				s.w.buf = cqltype.AppendValue(s.w.buf, r.cells[o.col.cell])
			}
		}
		if s.remaining > 0 {
			s.remaining--
			if s.remaining == 0 {
				return nil
			}
		}
	}
	return nil
}
