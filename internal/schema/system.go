package schema

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"golang.org/x/sync/errgroup"

	"github.com/ringscan/ringscan/internal/cqlident"
	"github.com/ringscan/ringscan/internal/cqltype"
)

// Unprepared marks a one-off statement (its values written in it as
// literals) for the driver to send as it is, in one QUERY round trip.
// gocql prepares every statement that starts with SELECT, INSERT, UPDATE,
// DELETE or BATCH before it runs it, on each host (a PREPARE round trip,
// then EXECUTE), which pays off for page requests, run thousands of times,
// but doubles the cost of a metadata query run once per host. A leading
// comment, which CQL reads as white space (Cassandra's and ScyllaDB's
// lexers skip it), is not one of those words. (A session with a
// token-aware host policy still prepares the statements it routes, to
// learn their partition key; the command line's sessions use gocql's
// default round robin, and the scanner routes every page itself.)
// TestPlanPreparesNoMetadataQuery pins it on the driver and cqlsim.
func Unprepared(stmt string) string { return "/* ringscan */ " + stmt }

// LoadSystem reads the schema of keyspace.table from the system_schema
// tables, with three queries sent at once (the keyspace's replication, the
// table's columns, the keyspace's user types): one round trip, whatever
// the session's metadata cache mode, and nothing of the other keyspaces.
// The statements carry their names as literals and are sent unprepared
// (Unprepared). Types come from the columns' CQL text,
// exact as Cassandra writes it (frozen collections included). Unknown
// keyspaces and tables get errors listing what exists.
func LoadSystem(ctx context.Context, s *gocql.Session, keyspace, table string) (*Table, error) {
	ks, tbl := cqlident.Literal(keyspace), cqlident.Literal(table)
	var (
		replication map[string]string
		ksFound     bool
		columns     []systemColumn
		types       = map[string]systemType{}
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		it := s.Query(Unprepared("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = " + ks)).IterContext(gctx)
		ksFound = it.Scan(&replication)
		return it.Close()
	})
	g.Go(func() error {
		it := s.Query(Unprepared("SELECT column_name, kind, position, clustering_order, type FROM system_schema.columns WHERE keyspace_name = " +
			ks + " AND table_name = " + tbl)).IterContext(gctx)
		var c systemColumn
		for it.Scan(&c.name, &c.kind, &c.position, &c.order, &c.typ) {
			columns = append(columns, c)
		}
		return it.Close()
	})
	g.Go(func() error {
		it := s.Query(Unprepared("SELECT type_name, field_names, field_types FROM system_schema.types WHERE keyspace_name = " + ks)).IterContext(gctx)
		var t systemType
		for it.Scan(&t.name, &t.fields, &t.types) {
			types[t.name] = t
			t = systemType{}
		}
		return it.Close()
	})
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("read the schema of %s.%s: %w", keyspace, table, err)
	}
	if !ksFound {
		names, err := keyspaceNames(ctx, s)
		if err != nil {
			return nil, fmt.Errorf("keyspace %q does not exist", keyspace)
		}
		return nil, fmt.Errorf("keyspace %q does not exist; keyspaces are: %s", keyspace, strings.Join(names, ", "))
	}
	if len(columns) == 0 {
		return nil, tableMissing(ctx, s, keyspace, table)
	}
	resolve := systemResolver(keyspace, types)
	t := &Table{Keyspace: keyspace, Name: table, Replication: replication}
	var pk, ck, regular []systemColumn
	for _, c := range columns {
		switch c.kind {
		case "partition_key":
			pk = append(pk, c)
		case "clustering":
			ck = append(ck, c)
		default:
			regular = append(regular, c)
		}
	}
	byPosition := func(a, b systemColumn) int { return cmp.Compare(a.position, b.position) }
	slices.SortFunc(pk, byPosition)
	slices.SortFunc(ck, byPosition)
	// SELECT * order: static columns before regular ones, each by name
	// (Cassandra's RegularAndStaticColumns.selectOrderIterator).
	slices.SortFunc(regular, func(a, b systemColumn) int {
		return cmp.Or(cmp.Compare(boolRank(a.kind != "static"), boolRank(b.kind != "static")), strings.Compare(a.name, b.name))
	})
	convert := func(cs []systemColumn) ([]Column, error) {
		out := make([]Column, 0, len(cs))
		for _, c := range cs {
			typ, err := cqltype.ParseWith(c.typ, resolve)
			if err != nil {
				return nil, fmt.Errorf("column %s.%s.%s: %w", keyspace, table, c.name, err)
			}
			out = append(out, Column{Name: c.name, Type: typ, Desc: strings.EqualFold(c.order, "desc"), Static: c.kind == "static"})
		}
		return out, nil
	}
	var err error
	if t.PartitionKey, err = convert(pk); err != nil {
		return nil, err
	}
	if t.Clustering, err = convert(ck); err != nil {
		return nil, err
	}
	rest, err := convert(regular)
	if err != nil {
		return nil, err
	}
	t.All = slices.Concat(t.PartitionKey, t.Clustering, rest)
	if len(t.PartitionKey) == 0 {
		return nil, fmt.Errorf("table %s.%s has no partition key in system_schema.columns", keyspace, table)
	}
	return t, nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// systemColumn is a row of system_schema.columns.
type systemColumn struct {
	name, kind, order, typ string
	position               int
}

// systemType is a row of system_schema.types.
type systemType struct {
	name          string
	fields, types []string
}

// systemResolver resolves the user-defined types of keyspace from its
// system_schema.types rows, whose field types are CQL text too.
func systemResolver(keyspace string, types map[string]systemType) cqltype.Resolver {
	var resolve cqltype.Resolver
	depth := 0
	resolve = func(ks, name string) (cqltype.Type, error) {
		st, ok := types[name]
		if !ok || (ks != "" && ks != keyspace) {
			return cqltype.Type{}, fmt.Errorf("unknown user-defined type %s", name)
		}
		if depth > cqltype.MaxDepth {
			return cqltype.Type{}, fmt.Errorf("user-defined type %s nests too deep", name)
		}
		depth++
		defer func() { depth-- }()
		t := cqltype.Type{Kind: cqltype.UDT, Keyspace: keyspace, Name: name, Fields: slices.Clone(st.fields)}
		for i, ft := range st.types {
			et, err := cqltype.ParseWith(ft, resolve)
			if err != nil {
				return cqltype.Type{}, fmt.Errorf("field %d of %s: %w", i, name, err)
			}
			t.Elems = append(t.Elems, et)
		}
		if len(t.Elems) != len(t.Fields) {
			return cqltype.Type{}, fmt.Errorf("user-defined type %s has %d field names and %d field types", name, len(t.Fields), len(t.Elems))
		}
		return t, nil
	}
	return resolve
}

// tableMissing says that keyspace.table does not exist, listing the
// keyspace's tables.
func tableMissing(ctx context.Context, s *gocql.Session, keyspace, table string) error {
	it := s.Query(Unprepared("SELECT table_name FROM system_schema.tables WHERE keyspace_name = " + cqlident.Literal(keyspace))).IterContext(ctx)
	var names []string
	var n string
	for it.Scan(&n) {
		names = append(names, n)
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("table %q does not exist in keyspace %q", table, keyspace)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return fmt.Errorf("table %q does not exist in keyspace %q, which has no tables", table, keyspace)
	}
	return fmt.Errorf("table %q does not exist in keyspace %q; tables are: %s", table, keyspace, strings.Join(names, ", "))
}
