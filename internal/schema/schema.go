package schema

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/ringscan/ringscan/internal/cqlident"
	"github.com/ringscan/ringscan/internal/cqltype"
)

// Column is a column of a table.
type Column struct {
	Name string
	Type cqltype.Type
	// Desc is set for a clustering column in DESC order.
	Desc bool
	// Static is set for a static column.
	Static bool
	// Expr, when set, is the select expression of a column that is not the
	// table's: writetime(c) or ttl(c) of a table column c, named as dsbulk
	// names it, "writetime(c)". Empty for a table column.
	Expr string
	// Meta is the driver's metadata of the column.
	Meta *gocql.ColumnMetadata
}

// Table is a table's schema.
type Table struct {
	Keyspace, Name string
	// Replication is the keyspace's replication strategy: "class" and the
	// strategy's options, as ring.ParseReplication takes them.
	Replication map[string]string
	// PartitionKey and Clustering are the primary key columns, in order.
	PartitionKey, Clustering []Column
	// All is every column in SELECT * order: partition key, clustering
	// columns, then the others by name.
	All []Column
}

// Load reads the schema of keyspace.table from the driver's metadata.
// Unknown keyspaces and tables get errors listing what exists.
func Load(ctx context.Context, s *gocql.Session, keyspace, table string) (*Table, error) {
	km, err := s.KeyspaceMetadata(keyspace)
	if err != nil {
		names, lerr := keyspaceNames(ctx, s)
		if lerr != nil {
			return nil, fmt.Errorf("keyspace %q: %w", keyspace, err)
		}
		return nil, fmt.Errorf("keyspace %q does not exist; keyspaces are: %s", keyspace, strings.Join(names, ", "))
	}
	tm := km.Tables[table]
	if tm == nil {
		names := make([]string, 0, len(km.Tables))
		for n := range km.Tables {
			names = append(names, n)
		}
		sort.Strings(names)
		if len(names) == 0 {
			return nil, fmt.Errorf("table %q does not exist in keyspace %q, which has no tables", table, keyspace)
		}
		return nil, fmt.Errorf("table %q does not exist in keyspace %q; tables are: %s", table, keyspace, strings.Join(names, ", "))
	}
	t := &Table{Keyspace: keyspace, Name: table, Replication: map[string]string{"class": km.StrategyClass}}
	for k, v := range km.StrategyOptions {
		t.Replication[k] = fmt.Sprint(v)
	}
	column := func(cm *gocql.ColumnMetadata) (Column, error) {
		typ, err := TypeOf(cm.Type)
		if err != nil {
			return Column{}, fmt.Errorf("column %s.%s.%s: %w", keyspace, table, cm.Name, err)
		}
		// gocql leaves the type of a column that uses a user-defined type
		// unparsed (a custom type named by its CQL text): resolve it with
		// the keyspace's user types.
		if typ.Kind == cqltype.Custom && len(km.UserTypes) > 0 {
			if udt, err := cqltype.ParseWith(cm.Validator, userTypes(km)); err == nil {
				typ = udt
			}
		}
		return Column{Name: cm.Name, Type: typ, Meta: cm, Static: cm.Kind == gocql.ColumnStatic,
			Desc: cm.Order == gocql.DESC || strings.EqualFold(cm.ClusteringOrder, "desc")}, nil
	}
	var regular []Column
	for _, cm := range tm.Columns {
		c, err := column(cm)
		if err != nil {
			return nil, err
		}
		if cm.Kind != gocql.ColumnPartitionKey && cm.Kind != gocql.ColumnClusteringKey {
			regular = append(regular, c)
		}
	}
	for _, cm := range tm.PartitionKey {
		c, err := column(cm)
		if err != nil {
			return nil, err
		}
		t.PartitionKey = append(t.PartitionKey, c)
	}
	for _, cm := range tm.ClusteringColumns {
		c, err := column(cm)
		if err != nil {
			return nil, err
		}
		t.Clustering = append(t.Clustering, c)
	}
	// SELECT * order: static columns before regular ones, each by name
	// (Cassandra's RegularAndStaticColumns.selectOrderIterator).
	sort.Slice(regular, func(i, j int) bool {
		si, sj := regular[i].Static, regular[j].Static
		if si != sj {
			return si
		}
		return regular[i].Name < regular[j].Name
	})
	t.All = slices.Concat(t.PartitionKey, t.Clustering, regular)
	if len(t.PartitionKey) == 0 {
		return nil, fmt.Errorf("table %s.%s has no partition key in the driver's metadata", keyspace, table)
	}
	return t, nil
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
			et, err := TypeOf(ft)
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
	iter := s.Query(Unprepared(`SELECT keyspace_name FROM system_schema.keyspaces`)).IterContext(ctx)
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

// Columns resolves column names, in the given order; no name means All.
// writetime(c) and ttl(c) name the write time (bigint, microseconds since
// the epoch) and time to live (int, seconds left) of a regular or static
// column c that is not a non-frozen collection or UDT, as Cassandra allows
// them. An unknown name gets an error listing the table's columns, a name
// given twice an error naming it.
func (t *Table) Columns(names []string) ([]Column, error) {
	if len(names) == 0 {
		return slices.Clone(t.All), nil
	}
	out := make([]Column, 0, len(names))
	for i, n := range names {
		if slices.Contains(names[:i], n) {
			return nil, fmt.Errorf("column %q is listed twice", n)
		}
		if fn, arg, ok := selector(n); ok {
			c, err := t.selectorColumn(fn, arg)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
			continue
		}
		k := slices.IndexFunc(t.All, func(c Column) bool { return c.Name == n })
		if k < 0 {
			return nil, fmt.Errorf("column %q does not exist in table %s.%s; columns are: %s (and writetime(c), ttl(c) of the others)",
				n, t.Keyspace, t.Name, strings.Join(columnNames(t.All), ", "))
		}
		out = append(out, t.All[k])
	}
	return out, nil
}

func columnNames(cs []Column) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

// selector splits "writetime(c)" or "ttl(c)" (any case, spaces allowed, c
// possibly double-quoted) into the function, in lower case, and c.
func selector(name string) (fn, arg string, ok bool) {
	open := strings.IndexByte(name, '(')
	if open < 0 || !strings.HasSuffix(name, ")") {
		return "", "", false
	}
	fn = strings.ToLower(strings.TrimSpace(name[:open]))
	if fn != "writetime" && fn != "ttl" {
		return "", "", false
	}
	arg = strings.TrimSpace(name[open+1 : len(name)-1])
	if len(arg) >= 2 && arg[0] == '"' && arg[len(arg)-1] == '"' {
		arg = strings.ReplaceAll(arg[1:len(arg)-1], `""`, `"`)
	}
	return fn, arg, arg != ""
}

// selectorColumn is the column of writetime(arg) or ttl(arg).
func (t *Table) selectorColumn(fn, arg string) (Column, error) {
	k := slices.IndexFunc(t.All, func(c Column) bool { return c.Name == arg })
	if k < 0 {
		return Column{}, fmt.Errorf("column %q of %s(%s) does not exist in table %s.%s; columns are: %s",
			arg, fn, arg, t.Keyspace, t.Name, strings.Join(columnNames(t.All), ", "))
	}
	c := t.All[k]
	if k < len(t.PartitionKey)+len(t.Clustering) {
		return Column{}, fmt.Errorf("%s(%s): %s is a primary key column, which has no %s (Cassandra refuses it)", fn, arg, arg, fn)
	}
	if c.Type.IsMultiCell() {
		return Column{}, fmt.Errorf("%s(%s): %s is a non-frozen %s, whose elements each have their own; Cassandra refuses it", fn, arg, arg, c.Type)
	}
	typ := cqltype.Native(cqltype.Bigint)
	if fn == "ttl" {
		typ = cqltype.Native(cqltype.Int)
	}
	return Column{Name: fn + "(" + arg + ")", Type: typ, Expr: fn + "(" + cqlident.Quote(arg) + ")"}, nil
}

// TypeOf converts a driver type to a cqltype.Type. Collections and UDTs
// come out not frozen and tuples frozen: the driver's metadata does not say
// which collections are frozen, and tuples always are.
func TypeOf(ti gocql.TypeInfo) (cqltype.Type, error) {
	if ti == nil {
		return cqltype.Type{}, fmt.Errorf("no type information")
	}
	switch v := ti.(type) {
	case gocql.CollectionType:
		switch v.Type() {
		case gocql.TypeMap:
			k, err := TypeOf(v.Key)
			if err != nil {
				return cqltype.Type{}, err
			}
			e, err := TypeOf(v.Elem)
			if err != nil {
				return cqltype.Type{}, err
			}
			return cqltype.MapOf(k, e), nil
		case gocql.TypeList, gocql.TypeSet:
			e, err := TypeOf(v.Elem)
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
			t, err := TypeOf(e)
			if err != nil {
				return cqltype.Type{}, err
			}
			elems[i] = t
		}
		return cqltype.TupleOf(elems...), nil
	case gocql.UDTTypeInfo:
		t := cqltype.Type{Kind: cqltype.UDT, Keyspace: v.Keyspace, Name: v.Name}
		for _, f := range v.Elements {
			ft, err := TypeOf(f.Type)
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

// From returns the quoted keyspace.table of t.
func (t *Table) From() string {
	return cqlident.Quote(t.Keyspace) + "." + cqlident.Quote(t.Name)
}

// TokenExpr returns token(pk1, pk2, ...) of t's partition key.
func (t *Table) TokenExpr() string {
	names := make([]string, len(t.PartitionKey))
	for i, c := range t.PartitionKey {
		names[i] = cqlident.Quote(c.Name)
	}
	return "token(" + strings.Join(names, ", ") + ")"
}

// Select is the SELECT list of a read that can resume after any row.
type Select struct {
	// Columns are the selected columns: the requested ones, then the
	// primary key columns that were not requested.
	Columns []Column
	// Out is the number of requested columns, Columns[:Out].
	Out int
	// PK and CK are the indexes in Columns of the partition key and
	// clustering columns, in key order.
	PK, CK []int
	// Token is the index of token(pk) in the list, len(Columns), or -1 when
	// it is not selected.
	Token int
	// List is the text of the list: quoted column names, then token(pk)
	// when selected, separated by ", ".
	List string
}

// Width is the number of values a row of s has: its columns and the token.
func (s *Select) Width() int {
	if s.Token >= 0 {
		return len(s.Columns) + 1
	}
	return len(s.Columns)
}

// Select returns the SELECT list of the columns cols of t (as Columns
// returns them), the primary key columns not among them, and token(pk)
// last if token is set.
func (t *Table) Select(cols []Column, token bool) *Select {
	s := &Select{Columns: slices.Clip(slices.Clone(cols)), Out: len(cols), Token: -1}
	index := func(c Column) int {
		if i := slices.IndexFunc(s.Columns, func(x Column) bool { return x.Name == c.Name }); i >= 0 {
			return i
		}
		s.Columns = append(s.Columns, c)
		return len(s.Columns) - 1
	}
	for _, c := range t.PartitionKey {
		s.PK = append(s.PK, index(c))
	}
	for _, c := range t.Clustering {
		s.CK = append(s.CK, index(c))
	}
	names := make([]string, 0, len(s.Columns)+1)
	for _, c := range s.Columns {
		if c.Expr != "" {
			names = append(names, c.Expr)
			continue
		}
		names = append(names, cqlident.Quote(c.Name))
	}
	if token {
		s.Token = len(s.Columns)
		names = append(names, t.TokenExpr())
	}
	s.List = strings.Join(names, ", ")
	return s
}
