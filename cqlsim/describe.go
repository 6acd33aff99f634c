package cqlsim

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"slices"
	"strconv"
	"strings"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlparse"
	"github.com/ringscan/ringscan/cqlsim/internal/cqlproto"
	"github.com/ringscan/ringscan/internal/cqlident"
	"github.com/ringscan/ringscan/internal/cqltype"
)

// DESCRIBE as Cassandra 4 answers it (cql3/statements/DescribeStatement):
// the statement runs on the coordinator, from its schema; listings
// (KEYSPACES, TABLES, TYPES, ...) have the columns keyspace_name, type and
// name, element forms (KEYSPACE, TABLE, SCHEMA, ...) add create_statement,
// the CQL text of each element as the server prints it
// (KeyspaceMetadata.toCqlString, TableMetadata.toCqlString, CqlBuilder).
// Cassandra 3.11 has no DESCRIBE: its parser answers a syntax error.

// schemaElement is one row of a DESCRIBE result.
type schemaElement struct {
	keyspace string
	kind     string // keyspace, table, type, ... (SchemaElementType in lower case)
	name     string
	cql      func(internals bool) string // nil in listings
}

var (
	describeListSpecs = []colSpec{
		{ks: "system", table: "describe", name: "keyspace_name", typ: cqltype.Native(cqltype.Varchar)},
		{ks: "system", table: "describe", name: "type", typ: cqltype.Native(cqltype.Varchar)},
		{ks: "system", table: "describe", name: "name", typ: cqltype.Native(cqltype.Varchar)},
	}
	describeElementSpecs = append(slices.Clone(describeListSpecs),
		colSpec{ks: "system", table: "describe", name: "create_statement", typ: cqltype.Native(cqltype.Varchar)})
	describeClusterSpecs = []colSpec{
		{ks: "system", table: "describe", name: "cluster", typ: cqltype.Native(cqltype.Varchar)},
		{ks: "system", table: "describe", name: "partitioner", typ: cqltype.Native(cqltype.Varchar)},
		{ks: "system", table: "describe", name: "snitch", typ: cqltype.Native(cqltype.Varchar)},
	}
	rangeOwnershipType = cqltype.Type{Kind: cqltype.Map, Elems: []cqltype.Type{
		cqltype.Native(cqltype.Varchar), cqltype.ListOf(cqltype.Native(cqltype.Varchar))}}
)

// describeSyntaxError is Cassandra 3.11's answer to DESCRIBE: its grammar
// has no such statement, so the parser fails on the first word.
func describeSyntaxError(query string) error {
	start := len(query) - len(strings.TrimLeft(query, " \t\r\n"))
	word := query[start:]
	if i := strings.IndexAny(word, " \t\r\n;"); i >= 0 {
		word = word[:i]
	}
	return syntaxf("line 1:%d no viable alternative at input '%s'", start, word)
}

// describeResolved is a DESCRIBE with the schema elements it returns and the
// columns of its result.
type describeResolved struct {
	specs    []colSpec
	elements []schemaElement
	cluster  [][]byte // DESCRIBE CLUSTER's one row, when it is that
}

// resolveDescribe finds what d describes, with the session keyspace ks,
// with Cassandra's error messages (all Invalid).
func (c *Cluster) resolveDescribe(sessionKS string, d *cqlparse.Describe) (*describeResolved, error) {
	keyspaces := c.schema.snapshot()
	find := func(name string) (*keyspace, error) {
		for _, ks := range keyspaces {
			if ks.name == name {
				return ks, nil
			}
		}
		return nil, invalidf("'%s' not found in keyspaces", name)
	}
	// named is the keyspace an element form works in.
	named := func() (*keyspace, error) {
		name := orDefault(d.Keyspace, sessionKS)
		if name == "" {
			return nil, invalidf("No keyspace specified and no current keyspace")
		}
		return find(name)
	}
	// listing lists elements of the session keyspace, or of every keyspace.
	listing := func(of func(*keyspace) []schemaElement) (*describeResolved, error) {
		in := keyspaces
		if sessionKS != "" {
			ks, err := find(sessionKS)
			if err != nil {
				return nil, err
			}
			in = []*keyspace{ks}
		}
		r := &describeResolved{specs: describeListSpecs}
		for _, ks := range sortedByName(in) {
			r.elements = append(r.elements, sortedElements(of(ks))...)
		}
		return r, nil
	}
	element := func(els ...schemaElement) *describeResolved {
		return &describeResolved{specs: describeElementSpecs, elements: els}
	}
	switch d.Kind {
	case cqlparse.DescribeKeyspaces:
		r := &describeResolved{specs: describeListSpecs}
		for _, ks := range sortedByName(keyspaces) {
			r.elements = append(r.elements, c.keyspaceElement(ks))
		}
		return r, nil
	case cqlparse.DescribeTables:
		return listing(c.tableElements)
	case cqlparse.DescribeTypes:
		return listing(c.typeElements)
	case cqlparse.DescribeFunctions, cqlparse.DescribeAggregates:
		// cqlsim has no user-defined functions or aggregates.
		return listing(func(*keyspace) []schemaElement { return nil })
	case cqlparse.DescribeSchema:
		r := element()
		for _, ks := range sortedByName(keyspaces) {
			if d.Full || !ks.system {
				r.elements = append(r.elements, c.keyspaceElements(ks, false)...)
			}
		}
		return r, nil
	case cqlparse.DescribeCluster:
		return c.describeCluster(sessionKS)
	}
	if d.Kind == cqlparse.DescribeGeneric {
		// DESCRIBE name: a keyspace, else a table (cqlsim has no indexes
		// or views) of the named keyspace, else of the session keyspace,
		// else of a keyspace called name.
		ksName := d.Keyspace
		if ksName == "" {
			if ks, err := find(d.Name); err == nil {
				return element(c.keyspaceElements(ks, false)...), nil
			}
			ksName = orDefault(sessionKS, d.Name)
		}
		ks, err := find(ksName)
		if err != nil {
			return nil, err
		}
		if t := ks.tables[d.Name]; t != nil {
			return element(c.tableElement(ks, t)), nil
		}
		if udt, ok := ks.types[d.Name]; ok {
			return element(typeElement(udt)), nil
		}
		return nil, invalidf("'%s' not found in keyspace '%s'", d.Name, ks.name)
	}
	ks, err := named()
	if err != nil {
		return nil, err
	}
	switch d.Kind {
	case cqlparse.DescribeKeyspace:
		return element(c.keyspaceElements(ks, d.Only)...), nil
	case cqlparse.DescribeTable:
		t := ks.tables[d.Name]
		if t == nil {
			return nil, invalidf("Table '%s' not found in keyspace '%s'", d.Name, ks.name)
		}
		return element(c.tableElement(ks, t)), nil
	case cqlparse.DescribeType:
		udt, ok := ks.types[d.Name]
		if !ok {
			return nil, invalidf("User defined type '%s' not found in '%s'", d.Name, ks.name)
		}
		return element(typeElement(udt)), nil
	case cqlparse.DescribeFunction:
		return nil, invalidf("User defined function '%s' not found in '%s'", d.Name, ks.name)
	case cqlparse.DescribeAggregate:
		return nil, invalidf("User defined aggregate '%s' not found in '%s'", d.Name, ks.name)
	case cqlparse.DescribeIndex:
		return nil, invalidf("Table for existing index '%s' not found in '%s'", d.Name, ks.name)
	case cqlparse.DescribeView:
		return nil, invalidf("Materialized view '%s' not found in '%s'", d.Name, ks.name)
	}
	return nil, invalidf("DESCRIBE form %d is not supported by cqlsim", d.Kind)
}

func sortedByName(kss []*keyspace) []*keyspace {
	out := slices.Clone(kss)
	slices.SortStableFunc(out, func(a, b *keyspace) int { return strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name)) })
	return out
}

// sortedElements orders elements as SchemaElement.NAME_COMPARATOR does: by
// name, ignoring case.
func sortedElements(els []schemaElement) []schemaElement {
	slices.SortStableFunc(els, func(a, b schemaElement) int {
		return strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name))
	})
	return els
}

// keyspaceElements is a keyspace followed, unless only, by its types and
// its tables (DescribeStatement.getKeyspaceElements; cqlsim has no
// functions, aggregates, indexes or views).
func (c *Cluster) keyspaceElements(ks *keyspace, only bool) []schemaElement {
	out := []schemaElement{c.keyspaceElement(ks)}
	if !only {
		out = append(out, c.typeElements(ks)...)
		out = append(out, sortedElements(c.tableElements(ks))...)
	}
	return out
}

// typeElements are a keyspace's user-defined types, by name, each after
// the types it nests, so that the statements run in order.
func (c *Cluster) typeElements(ks *keyspace) []schemaElement {
	var out []schemaElement
	done := map[string]bool{}
	var add func(name string)
	add = func(name string) {
		udt, ok := ks.types[name]
		if !ok || done[name] {
			return
		}
		done[name] = true
		for _, dep := range sortedKeys(ks.types) {
			if dep != name && slices.ContainsFunc(udt.Elems, func(e cqltype.Type) bool { return e.Contains(ks.name, dep) }) {
				add(dep)
			}
		}
		out = append(out, typeElement(udt))
	}
	for _, name := range sortedKeys(ks.types) {
		add(name)
	}
	return out
}

// typeElement prints a user-defined type as UserType.toCqlString does.
func typeElement(udt cqltype.Type) schemaElement {
	return schemaElement{keyspace: udt.Keyspace, kind: "type", name: udt.Name, cql: func(bool) string {
		var b strings.Builder
		b.WriteString("CREATE TYPE " + cqlident.Quote(udt.Keyspace) + "." + cqlident.Quote(udt.Name) + " (\n")
		for i, f := range udt.Fields {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString("    " + cqlident.Quote(f) + " " + udt.Elems[i].String())
		}
		b.WriteString("\n);")
		return b.String()
	}}
}

func (c *Cluster) tableElements(ks *keyspace) []schemaElement {
	var out []schemaElement
	for _, t := range sortedTables(ks) {
		out = append(out, c.tableElement(ks, t))
	}
	return out
}

func (c *Cluster) keyspaceElement(ks *keyspace) schemaElement {
	return schemaElement{keyspace: ks.name, kind: "keyspace", name: ks.name, cql: func(bool) string {
		q := cqlident.Quote(ks.name)
		if isVirtualKeyspace(ks) {
			return "/*\nWarning: Keyspace " + q + " is a virtual keyspace and cannot be recreated with CQL.\n" +
				"Structure, for reference:\nVIRTUAL KEYSPACE " + q + ";\n*/"
		}
		var b strings.Builder
		b.WriteString("CREATE KEYSPACE " + q + " WITH replication = {'class': " + cqlString(ks.repl.class))
		opts := ks.repl.asMap()
		delete(opts, "class")
		for _, k := range sortedKeys(opts) {
			b.WriteString(", " + cqlString(k) + ": " + cqlString(opts[k]))
		}
		b.WriteString("}  AND durable_writes = " + strconv.FormatBool(ks.durableWrites) + ";")
		return b.String()
	}}
}

// cqlString is s as a CQL string literal.
func cqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// tableElement prints a table as TableMetadata.appendCqlTo does: the
// columns in SELECT * order, the primary key, then the options in
// alphabetical order; a virtual table is shown commented out.
func (c *Cluster) tableElement(ks *keyspace, t *table) schemaElement {
	return schemaElement{keyspace: ks.name, kind: "table", name: t.name, cql: func(internals bool) string {
		const indent = "    "
		virtual := isVirtualKeyspace(ks)
		name := cqlident.Quote(t.keyspace) + "." + cqlident.Quote(t.name)
		var b strings.Builder
		create := "CREATE"
		if virtual {
			b.WriteString("/*\nWarning: Table " + name + " is a virtual table and cannot be recreated with CQL.\nStructure, for reference:\n")
			create = "VIRTUAL"
		}
		b.WriteString(create + " TABLE " + name + " (\n")
		single := len(t.pk) == 1 && len(t.ck) == 0
		for i, col := range t.columns {
			b.WriteString(indent + cqlident.Quote(col.name) + " " + col.typ.String())
			if col.kind == kindStatic {
				b.WriteString(" static")
			}
			if single && col.kind == kindPartitionKey {
				b.WriteString(" PRIMARY KEY")
			}
			if !single || i < len(t.columns)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		names := func(cols []*column) string {
			out := make([]string, len(cols))
			for i, col := range cols {
				out[i] = cqlident.Quote(col.name)
			}
			return strings.Join(out, ", ")
		}
		if !single {
			b.WriteString(indent + "PRIMARY KEY (")
			if len(t.pk) > 1 {
				b.WriteString("(" + names(t.pk) + ")")
			} else {
				b.WriteString(names(t.pk))
			}
			if len(t.ck) > 0 {
				b.WriteString(", " + names(t.ck))
			}
			b.WriteString(")\n")
		}
		b.WriteString(") WITH ")
		var opts []string
		if internals && !virtual {
			opts = append(opts, "ID = "+uuidString(t.id))
		}
		if len(t.ck) > 0 {
			order := make([]string, len(t.ck))
			for i, col := range t.ck {
				order[i] = cqlident.Quote(col.name) + " ASC"
				if col.desc {
					order[i] = cqlident.Quote(col.name) + " DESC"
				}
			}
			opts = append(opts, "CLUSTERING ORDER BY ("+strings.Join(order, ", ")+")")
		}
		if virtual {
			opts = append(opts, "comment = "+cqlString(t.options["comment"]))
		} else {
			opts = append(opts, tableOptions(t, c.rel)...)
		}
		b.WriteString(strings.Join(opts, "\n"+indent+"AND "))
		b.WriteByte(';')
		if virtual {
			b.WriteString("\n*/")
		}
		return b.String()
	}}
}

// The default table options, one place for system_schema.tables and
// DESCRIBE.
var (
	defaultCaching     = map[string]string{"keys": "ALL", "rows_per_partition": "NONE"}
	defaultCompaction  = map[string]string{"class": "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy", "max_threshold": "32", "min_threshold": "4"}
	defaultCompression = map[string]string{"chunk_length_in_kb": "16", "class": "org.apache.cassandra.io.compress.LZ4Compressor"}
)

const (
	defaultBloomFilterFPChance = 0.01
	defaultCRCCheckChance      = 1.0
	defaultGCGraceSeconds      = 864000
	defaultMaxIndexInterval    = 2048
	defaultMinIndexInterval    = 128
	defaultSpeculativeRetry    = "99p"
	defaultReadRepair          = "BLOCKING"
)

// tableOptions are a table's options in TableParams.appendCqlTo's order
// and format: the defaults, with the comment given at CREATE TABLE (the
// memtable option exists from 4.1 on).
func tableOptions(t *table, rel release) []string {
	cqlMap := func(m map[string]string) string {
		parts := make([]string, 0, len(m))
		for _, k := range sortedKeys(m) {
			parts = append(parts, cqlString(k)+": "+cqlString(m[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	opts := []string{
		"additional_write_policy = " + cqlString(defaultSpeculativeRetry),
		"bloom_filter_fp_chance = " + strconv.FormatFloat(defaultBloomFilterFPChance, 'f', -1, 64),
		"caching = " + cqlMap(defaultCaching),
		"cdc = false",
		"comment = " + cqlString(t.options["comment"]),
		"compaction = " + cqlMap(defaultCompaction),
		"compression = " + cqlMap(defaultCompression),
	}
	if rel.major == 4 && rel.minor >= 1 {
		opts = append(opts, "memtable = 'default'")
	}
	return append(opts,
		"crc_check_chance = "+strconv.FormatFloat(defaultCRCCheckChance, 'f', 1, 64),
		"default_time_to_live = "+strconv.Itoa(int(t.defaultTTL)),
		"extensions = {}",
		"gc_grace_seconds = "+strconv.Itoa(defaultGCGraceSeconds),
		"max_index_interval = "+strconv.Itoa(defaultMaxIndexInterval),
		"memtable_flush_period_in_ms = 0",
		"min_index_interval = "+strconv.Itoa(defaultMinIndexInterval),
		"read_repair = "+cqlString(defaultReadRepair),
		"speculative_retry = "+cqlString(defaultSpeculativeRetry),
	)
}

// describeCluster is DESCRIBE CLUSTER: the cluster name, partitioner and
// snitch, and, when the session keyspace is a user keyspace, the replicas
// of every ring range (by its end token).
func (c *Cluster) describeCluster(sessionKS string) (*describeResolved, error) {
	text := func(s string) []byte { return []byte(s) }
	row := [][]byte{text(c.cfg.ClusterName), text(c.cfg.Partitioner), text("DynamicEndpointSnitch")}
	r := &describeResolved{specs: describeClusterSpecs}
	if sessionKS != "" && !isSystemKeyspace(sessionKS) {
		sets := c.replicaSets(sessionKS)
		if sets == nil {
			return nil, invalidf("'%s' not found in keyspaces", sessionKS)
		}
		m := map[string][]string{}
		for i, e := range c.ring {
			var eps []string
			for _, n := range sets[i] {
				eps = append(eps, "/"+n.ip.String()+":7000")
			}
			m[c.tokenString(e.tok)] = eps
		}
		v, err := cqltype.Encode(rangeOwnershipType, m)
		if err != nil {
			return nil, serverf("DESCRIBE CLUSTER: %v", err)
		}
		row = append(row, v)
		r.specs = append(slices.Clone(r.specs), colSpec{ks: "system", table: "describe", name: "range_ownership", typ: rangeOwnershipType})
	}
	r.cluster = row
	return r, nil
}

// runDescribe answers a DESCRIBE, paged by row offset as Cassandra pages it:
// the paging state holds the schema version and the offset of the next
// row, and a schema change between pages fails the next page.
func (c *Cluster) runDescribe(sessionKS string, d *cqlparse.Describe, params *cqlproto.QueryParams) (result, error) {
	r, err := c.resolveDescribe(sessionKS, d)
	if err != nil {
		return result{}, err
	}
	version := c.schema.versionString()
	var offset int64
	if params.PagingState != nil {
		if offset, err = decodeDescribeState(params.PagingState, version); err != nil {
			return result{}, err
		}
	}
	rows := make([][][]byte, 0, len(r.elements))
	if r.cluster != nil {
		rows = append(rows, r.cluster)
	}
	for _, e := range r.elements {
		row := [][]byte{[]byte(cqlident.Quote(e.keyspace)), []byte(e.kind), []byte(cqlident.Quote(e.name))}
		if len(r.specs) == len(describeElementSpecs) {
			row = append(row, []byte(e.cql(d.Internals)))
		}
		rows = append(rows, row)
	}
	rows = rows[min(int(offset), len(rows)):]
	var state []byte
	if ps := int(params.PageSize); ps > 0 && len(rows) >= ps {
		rows = rows[:ps]
		state = encodeDescribeState(version, offset+int64(ps))
	}
	w := rowsWriter{count: int32(len(rows))}
	for _, row := range rows {
		for _, v := range row {
			w.buf = cqltype.AppendValue(w.buf, v)
		}
	}
	return result{body: appendRows(nil, r.specs, params.SkipMetadata(), state, &w)}, nil
}

const describeMagic = 'D'

func encodeDescribeState(version [16]byte, offset int64) []byte {
	b := []byte{describeMagic, 1}
	b = append(b, version[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(offset))
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func decodeDescribeState(b []byte, version [16]byte) (int64, error) {
	if len(b) != 2+16+8+4 || b[0] != describeMagic || b[1] != 1 ||
		crc32.ChecksumIEEE(b[:len(b)-4]) != binary.BigEndian.Uint32(b[len(b)-4:]) {
		return 0, invalidf("Invalid paging state.")
	}
	if !bytes.Equal(b[2:18], version[:]) {
		return 0, invalidf("The schema has changed since the previous page of the DESCRIBE statement result. Please retry the DESCRIBE statement.")
	}
	return int64(binary.BigEndian.Uint64(b[18:26])), nil
}
