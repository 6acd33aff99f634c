package scanner

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/ring"
)

// column is a table column as the scanner needs it.
type column struct {
	name string
	typ  cqltype.Type
	kind gocql.ColumnKind
	desc bool // clustering order DESC
}

// tableInfo is what the scanner knows of the table.
type tableInfo struct {
	keyspace, name string
	repl           ring.Replication
	pk, ck         []column
	all            []column // SELECT * order
}

// loadTable reads the table's schema from the driver's keyspace metadata.
// Unknown keyspaces, tables and columns get errors listing what exists.
func loadTable(ctx context.Context, s *gocql.Session, ks, table string) (*tableInfo, error) {
	km, err := s.KeyspaceMetadata(ks)
	if err != nil {
		names, lerr := keyspaceNames(ctx, s)
		if lerr != nil {
			return nil, fmt.Errorf("keyspace %q: %w", ks, err)
		}
		return nil, fmt.Errorf("keyspace %q does not exist; keyspaces are: %s", ks, strings.Join(names, ", "))
	}
	tm := km.Tables[table]
	if tm == nil {
		names := make([]string, 0, len(km.Tables))
		for n := range km.Tables {
			names = append(names, n)
		}
		sort.Strings(names)
		if len(names) == 0 {
			return nil, fmt.Errorf("table %q does not exist in keyspace %q, which has no tables", table, ks)
		}
		return nil, fmt.Errorf("table %q does not exist in keyspace %q; tables are: %s", table, ks, strings.Join(names, ", "))
	}
	opts := map[string]string{"class": km.StrategyClass}
	for k, v := range km.StrategyOptions {
		opts[k] = fmt.Sprint(v)
	}
	repl, err := ring.ParseReplication(opts)
	if err != nil {
		return nil, fmt.Errorf("keyspace %q: %w", ks, err)
	}
	t := &tableInfo{keyspace: ks, name: table, repl: repl}
	var regular []column
	for _, cm := range tm.Columns {
		c, err := toColumn(km, cm)
		if err != nil {
			return nil, fmt.Errorf("column %s.%s.%s: %w", ks, table, cm.Name, err)
		}
		if cm.Kind != gocql.ColumnPartitionKey && cm.Kind != gocql.ColumnClusteringKey {
			regular = append(regular, c)
		}
	}
	for _, cm := range tm.PartitionKey {
		c, err := toColumn(km, cm)
		if err != nil {
			return nil, fmt.Errorf("column %s.%s.%s: %w", ks, table, cm.Name, err)
		}
		t.pk = append(t.pk, c)
	}
	for _, cm := range tm.ClusteringColumns {
		c, err := toColumn(km, cm)
		if err != nil {
			return nil, fmt.Errorf("column %s.%s.%s: %w", ks, table, cm.Name, err)
		}
		t.ck = append(t.ck, c)
	}
	// SELECT * order: static columns before regular ones, each by name
	// (Cassandra's RegularAndStaticColumns.selectOrderIterator).
	sort.Slice(regular, func(i, j int) bool {
		si, sj := regular[i].kind == gocql.ColumnStatic, regular[j].kind == gocql.ColumnStatic
		if si != sj {
			return si
		}
		return regular[i].name < regular[j].name
	})
	t.all = slices.Concat(t.pk, t.ck, regular)
	if len(t.pk) == 0 {
		return nil, fmt.Errorf("table %s.%s has no partition key in the driver's metadata", ks, table)
	}
	return t, nil
}

// toColumn converts the driver's column metadata. gocql leaves the type of
// a column that uses a user-defined type unparsed (a custom type named by
// its CQL text); it is resolved here with the keyspace's user types.
func toColumn(km *gocql.KeyspaceMetadata, cm *gocql.ColumnMetadata) (column, error) {
	typ, err := typeOf(cm.Type)
	if err != nil {
		return column{}, err
	}
	if typ.Kind == cqltype.Custom && len(km.UserTypes) > 0 {
		if udt, err := cqltype.ParseWith(cm.Validator, userTypes(km)); err == nil {
			typ = udt
		}
	}
	return column{name: cm.Name, typ: typ, kind: cm.Kind, desc: cm.Order == gocql.DESC || strings.EqualFold(cm.ClusteringOrder, "desc")}, nil
}

// userTypes resolves the user-defined types of keyspace km from the
// driver's metadata, whose field types are themselves unparsed when they
// use user-defined types.
func userTypes(km *gocql.KeyspaceMetadata) cqltype.Resolver {
	var resolve cqltype.Resolver
	resolve = func(ks, name string) (cqltype.Type, error) {
		um := km.UserTypes[name]
		if um == nil || (ks != "" && ks != km.Name) {
			return cqltype.Type{}, fmt.Errorf("unknown user-defined type %s", name)
		}
		t := cqltype.Type{Kind: cqltype.UDT, Keyspace: km.Name, Name: um.Name, Fields: slices.Clone(um.FieldNames)}
		for i, ft := range um.FieldTypes {
			et, err := typeOf(ft)
			if err != nil {
				return cqltype.Type{}, fmt.Errorf("field %s of %s: %w", um.FieldNames[i], name, err)
			}
			if et.Kind == cqltype.Custom {
				if nested, err := cqltype.ParseWith(fmt.Sprint(ft), resolve); err == nil {
					et = nested
				}
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

// keyspaceNames lists the keyspaces, for error messages.
func keyspaceNames(ctx context.Context, s *gocql.Session) ([]string, error) {
	iter := s.Query(`SELECT keyspace_name FROM system_schema.keyspaces`).IterContext(ctx)
	var names []string
	var n string
	for iter.Scan(&n) {
		names = append(names, n)
	}
	if err := iter.Close(); err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// columns resolves the requested column names, or all columns.
func (t *tableInfo) columns(names []string) ([]column, error) {
	if len(names) == 0 {
		return t.all, nil
	}
	out := make([]column, 0, len(names))
	for _, n := range names {
		i := slices.IndexFunc(t.all, func(c column) bool { return c.name == n })
		if i < 0 {
			all := make([]string, len(t.all))
			for k, c := range t.all {
				all[k] = c.name
			}
			return nil, fmt.Errorf("column %q does not exist in table %s.%s; columns are: %s", n, t.keyspace, t.name, strings.Join(all, ", "))
		}
		out = append(out, t.all[i])
	}
	return out, nil
}

// typeOf converts a driver type to ours.
func typeOf(ti gocql.TypeInfo) (cqltype.Type, error) {
	if ti == nil {
		return cqltype.Type{}, fmt.Errorf("no type information")
	}
	switch v := ti.(type) {
	case gocql.CollectionType:
		switch v.Type() {
		case gocql.TypeMap:
			k, err := typeOf(v.Key)
			if err != nil {
				return cqltype.Type{}, err
			}
			e, err := typeOf(v.Elem)
			if err != nil {
				return cqltype.Type{}, err
			}
			return cqltype.MapOf(k, e), nil
		case gocql.TypeList, gocql.TypeSet:
			e, err := typeOf(v.Elem)
			if err != nil {
				return cqltype.Type{}, err
			}
			if v.Type() == gocql.TypeList {
				return cqltype.ListOf(e), nil
			}
			return cqltype.SetOf(e), nil
		}
	case gocql.TupleTypeInfo:
		elems := make([]cqltype.Type, len(v.Elems))
		for i, e := range v.Elems {
			t, err := typeOf(e)
			if err != nil {
				return cqltype.Type{}, err
			}
			elems[i] = t
		}
		return cqltype.TupleOf(elems...), nil
	case gocql.UDTTypeInfo:
		t := cqltype.Type{Kind: cqltype.UDT, Keyspace: v.Keyspace, Name: v.Name}
		for _, f := range v.Elements {
			ft, err := typeOf(f.Type)
			if err != nil {
				return cqltype.Type{}, err
			}
			t.Fields = append(t.Fields, f.Name)
			t.Elems = append(t.Elems, ft)
		}
		return t, nil
	}
	k := cqltype.Kind(ti.Type())
	if ti.Type() == gocql.TypeText { // protocol v1's id for text, which gocql keeps
		k = cqltype.Varchar
	}
	if k == cqltype.Custom {
		return cqltype.Type{Kind: cqltype.Custom, Custom: fmt.Sprint(ti)}, nil
	}
	t := cqltype.Native(k)
	if t.Kind != k {
		return cqltype.Type{}, fmt.Errorf("unsupported CQL type %v", ti)
	}
	return t, nil
}

// loadRing builds the token ring from the driver's hosts.
func loadRing(s *gocql.Session) (*ring.Ring, error) {
	hosts := s.GetHosts()
	if len(hosts) == 0 {
		return nil, fmt.Errorf("the driver knows no hosts")
	}
	name := ""
	for _, h := range hosts {
		if p := h.Partitioner(); p != "" {
			name = p
			break
		}
	}
	if name == "" {
		return nil, fmt.Errorf("no host reports its partitioner")
	}
	p, err := ring.ParsePartitioner(name)
	if err != nil {
		return nil, err
	}
	rh := make([]ring.Host, 0, len(hosts))
	for _, h := range hosts {
		host := ring.Host{ID: h.HostID(), Address: h.ConnectAddress().String(), DC: h.DataCenter(), Rack: h.Rack()}
		for _, ts := range h.Tokens() {
			tk, err := p.ParseToken(ts)
			if err != nil {
				return nil, fmt.Errorf("host %s: %w", host.Address, err)
			}
			host.Tokens = append(host.Tokens, tk)
		}
		rh = append(rh, host)
	}
	return ring.New(p, rh)
}

// sizeEstimates reads system.size_estimates from every host (each holds
// its own primary ranges).
func sizeEstimates(ctx context.Context, s *gocql.Session, r *ring.Ring, ks, table string) []ring.SizeEstimate {
	var out []ring.SizeEstimate
	p := r.Partitioner()
	for _, h := range r.Hosts() {
		iter := s.Query(`SELECT range_start, range_end, partitions_count, mean_partition_size FROM system.size_estimates WHERE keyspace_name = ? AND table_name = ?`, ks, table).
			SetHostID(h.ID).IterContext(ctx)
		var start, end string
		var count, mean int64
		for iter.Scan(&start, &end, &count, &mean) {
			st, err1 := p.ParseToken(start)
			en, err2 := p.ParseToken(end)
			if err1 == nil && err2 == nil {
				out = append(out, ring.SizeEstimate{Start: st, End: en, Partitions: count, MeanPartitionSize: mean})
			}
		}
		if iter.Close() != nil {
			continue // estimates are a hint; a host without them is skipped
		}
	}
	return out
}
