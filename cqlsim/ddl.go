package cqlsim

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlparse"
	"github.com/ringscan/ringscan/cqlsim/internal/cqlproto"
	"github.com/ringscan/ringscan/internal/cqltype"
)

// schemaChange encodes the body shared by the Schema_change result and the
// SCHEMA_CHANGE event.
func schemaChange(change, target, ks, tbl string) []byte {
	b := cqlproto.AppendString(nil, change)
	b = cqlproto.AppendString(b, target)
	b = cqlproto.AppendString(b, ks)
	if target == "TABLE" || target == "TYPE" {
		b = cqlproto.AppendString(b, tbl)
	}
	return b
}

// announce builds the result of a schema change and sends the event to every
// registered client.
func (c *Cluster) announce(change, target, ks, tbl string) []byte {
	sc := schemaChange(change, target, ks, tbl)
	c.broadcast(nil, "SCHEMA_CHANGE", append(cqlproto.AppendString(nil, "SCHEMA_CHANGE"), sc...))
	return append(cqlproto.AppendInt(nil, 5), sc...)
}

// runDDL runs CREATE, DROP and TRUNCATE.
func (c *Cluster) runDDL(sessionKS string, s cqlparse.Statement) ([]byte, error) {
	sch := c.schema
	switch v := s.(type) {
	case *cqlparse.CreateKeyspace:
		if isSystemKeyspace(v.Name) {
			return nil, invalidf("Keyspace names starting with system are reserved: %s", v.Name)
		}
		repl, err := parseReplication(v.Replication, c.dcNames())
		if err != nil {
			return nil, &reqError{code: cqlproto.ErrConfig, msg: err.Error()}
		}
		sch.mu.Lock()
		if sch.keyspaces[v.Name] != nil {
			sch.mu.Unlock()
			if v.IfNotExists {
				return voidResult().body, nil
			}
			return nil, alreadyExists(v.Name, "")
		}
		durable := true
		if v.DurableWrites != nil {
			durable = *v.DurableWrites
		}
		sch.keyspaces[v.Name] = &keyspace{name: v.Name, repl: repl, durableWrites: durable, tables: map[string]*table{}, types: map[string]cqltype.Type{}}
		sch.bumpVersionLocked()
		sch.mu.Unlock()
		c.invalidateReplicas()
		return c.announce("CREATED", "KEYSPACE", v.Name, ""), nil
	case *cqlparse.DropKeyspace:
		sch.mu.Lock()
		ks := sch.keyspaces[v.Name]
		if ks == nil || ks.system {
			sch.mu.Unlock()
			if ks == nil && v.IfExists {
				return voidResult().body, nil
			}
			if ks != nil {
				return nil, &reqError{code: cqlproto.ErrUnauthorized, msg: "Cannot DROP system keyspace " + v.Name}
			}
			return nil, &reqError{code: cqlproto.ErrConfig, msg: "Cannot drop non existing keyspace '" + v.Name + "'."}
		}
		delete(sch.keyspaces, v.Name)
		sch.bumpVersionLocked()
		sch.mu.Unlock()
		c.invalidateReplicas()
		return c.announce("DROPPED", "KEYSPACE", v.Name, ""), nil
	case *cqlparse.CreateTable:
		return c.createTable(sessionKS, v)
	case *cqlparse.CreateType:
		return c.createType(sessionKS, v)
	case *cqlparse.AlterType:
		return c.alterType(sessionKS, v)
	case *cqlparse.DropType:
		return c.dropType(sessionKS, v)
	case *cqlparse.DropTable:
		ksName := orDefault(v.Table.Keyspace, sessionKS)
		if ksName == "" {
			return nil, invalidf("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename")
		}
		sch.mu.Lock()
		ks := sch.keyspaces[ksName]
		if ks == nil {
			sch.mu.Unlock()
			return nil, invalidf("Keyspace %s does not exist", ksName)
		}
		if ks.system {
			sch.mu.Unlock()
			return nil, &reqError{code: cqlproto.ErrUnauthorized, msg: "Cannot DROP tables of system keyspace " + ksName}
		}
		if ks.tables[v.Table.Name] == nil {
			sch.mu.Unlock()
			if v.IfExists {
				return voidResult().body, nil
			}
			return nil, &reqError{code: cqlproto.ErrConfig, msg: "Cannot drop non existing table '" + v.Table.Name + "' in keyspace '" + ksName + "'."}
		}
		delete(ks.tables, v.Table.Name)
		sch.bumpVersionLocked()
		sch.mu.Unlock()
		return c.announce("DROPPED", "TABLE", ksName, v.Table.Name), nil
	case *cqlparse.Truncate:
		t, err := c.resolveTable(sessionKS, v.Table)
		if err != nil {
			return nil, err
		}
		if t.store == nil {
			return nil, &reqError{code: cqlproto.ErrUnauthorized, msg: "Cannot TRUNCATE system table " + t.qualified()}
		}
		t.store.lockWrite()
		fresh := newStore(0)
		t.store.tree, t.store.byKey = fresh.tree, fresh.byKey
		t.store.mu.Unlock()
		return voidResult().body, nil
	}
	return nil, invalidf("unsupported statement")
}

func (c *Cluster) dcNames() map[string]bool {
	m := map[string]bool{}
	for _, dc := range c.cfg.DCs {
		m[dc.Name] = true
	}
	return m
}

// maxTTL is the largest TTL Cassandra accepts: 20 years, in seconds.
const maxTTL = 20 * 365 * 24 * 60 * 60

// typeResolver resolves user-defined type names of statements on keyspace
// ks, with Cassandra's messages. The schema lock is held.
func typeResolver(ks *keyspace) cqltype.Resolver {
	return func(qual, name string) (cqltype.Type, error) {
		if qual != "" && qual != ks.name {
			return cqltype.Type{}, invalidf("Statement on keyspace %s cannot refer to a user type in keyspace %s; user types can only be used in the keyspace they are defined in", ks.name, qual)
		}
		t, ok := ks.types[name]
		if !ok {
			return cqltype.Type{}, invalidf("Unknown type %s.%s", ks.name, name)
		}
		return t, nil
	}
}

// parseColumnType parses a column or field type in keyspace ks, refusing
// the types cqlsim does not store.
func parseColumnType(ks *keyspace, text, what string) (cqltype.Type, error) {
	typ, err := cqltype.ParseWith(text, typeResolver(ks))
	if err != nil {
		var re *reqError
		if errors.As(err, &re) {
			return cqltype.Type{}, re
		}
		return cqltype.Type{}, invalidf("Unknown type %s for %s: %v", text, what, err)
	}
	if typ.Kind == cqltype.Custom {
		return cqltype.Type{}, invalidf("Type %s of %s is not supported by cqlsim", text, what)
	}
	return typ, nil
}

// createTable validates and adds a table.
func (c *Cluster) createTable(sessionKS string, v *cqlparse.CreateTable) ([]byte, error) {
	ksName := orDefault(v.Table.Keyspace, sessionKS)
	if ksName == "" {
		return nil, invalidf("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename")
	}
	if v.CompactStorage {
		return nil, invalidf("COMPACT STORAGE is not supported by cqlsim")
	}
	if len(v.PartitionKey) == 0 {
		return nil, invalidf("No PRIMARY KEY specified for table '%s' (exactly one required)", v.Table.Name)
	}
	sch := c.schema
	sch.mu.Lock()
	defer sch.mu.Unlock()
	ks := sch.keyspaces[ksName]
	if ks == nil {
		return nil, invalidf("Keyspace %s does not exist", ksName)
	}
	if ks.system {
		return nil, &reqError{code: cqlproto.ErrUnauthorized, msg: "Cannot CREATE tables in system keyspace " + ksName}
	}
	var cols []*column
	byName := map[string]*column{}
	for _, d := range v.Columns {
		if byName[d.Name] != nil {
			return nil, invalidf("Duplicate column '%s' declaration for table %s", d.Name, v.Table.Name)
		}
		typ, err := parseColumnType(ks, d.Type, "column "+d.Name)
		if err != nil {
			return nil, err
		}
		if typ.Kind == cqltype.UDT && typ.IsMultiCell() {
			for _, f := range typ.Elems {
				if f.IsMultiCell() {
					return nil, invalidf("Non-frozen UDTs with nested non-frozen collections are not supported")
				}
			}
		}
		col := &column{name: d.Name, typ: typ, kind: kindRegular, pos: -1}
		if d.Static {
			col.kind = kindStatic
		}
		byName[d.Name] = col
		cols = append(cols, col)
	}
	key := func(name string, kind columnKind, pos int) error {
		col := byName[name]
		if col == nil {
			return invalidf("Unknown definition %s referenced in PRIMARY KEY", name)
		}
		switch {
		case col.kind == kindStatic:
			return invalidf("Static column '%s' cannot be part of the PRIMARY KEY", name)
		case col.kind != kindRegular:
			return invalidf("Column %s appears twice in PRIMARY KEY", name)
		case col.typ.IsCollection() && !col.typ.Frozen:
			return invalidf("Invalid non-frozen collection type %s for PRIMARY KEY column '%s'", col.typ, name)
		case col.typ.IsMultiCell():
			return invalidf("Invalid non-frozen user-defined type %s for PRIMARY KEY column '%s'", col.typ, name)
		case col.typ.Kind == cqltype.Counter:
			return invalidf("counter type is not supported for PRIMARY KEY column '%s'", name)
		case col.typ.Kind == cqltype.KindDuration:
			return invalidf("duration type is not supported for PRIMARY KEY column '%s'", name)
		}
		col.kind, col.pos = kind, pos
		return nil
	}
	for i, name := range v.PartitionKey {
		if err := key(name, kindPartitionKey, i); err != nil {
			return nil, err
		}
	}
	for i, name := range v.Clustering {
		if err := key(name, kindClustering, i); err != nil {
			return nil, err
		}
	}
	for i, o := range v.ClusterOrder {
		col := byName[o.Column]
		if col == nil || col.kind != kindClustering {
			return nil, invalidf("Only clustering key columns can be defined in CLUSTERING ORDER directive: %s", o.Column)
		}
		if col.pos != i {
			return nil, invalidf("The order of columns in the CLUSTERING ORDER directive must be the one of the clustering key (%s must appear before %s)", v.Clustering[i], o.Column)
		}
		col.desc = o.Desc
	}
	counters, others, statics := 0, 0, 0
	for _, col := range cols {
		switch {
		case col.kind == kindPartitionKey || col.kind == kindClustering:
		case col.typ.Kind == cqltype.Counter:
			counters++
		default:
			others++
		}
		if col.kind == kindStatic {
			statics++
		}
	}
	if statics > 0 && len(v.Clustering) == 0 {
		return nil, invalidf("Static columns are only useful (and thus allowed) if the table has at least one clustering column")
	}
	if counters > 0 && others > 0 {
		return nil, invalidf("Cannot mix counter and non counter columns in the same table")
	}
	options := map[string]string{}
	for k, t := range v.Options {
		if lit, ok := t.(*cqlparse.Literal); ok {
			options[k] = lit.Text
		}
	}
	var defaultTTL int64
	if text, ok := options["default_time_to_live"]; ok {
		n, err := strconv.ParseInt(text, 10, 64)
		switch {
		case err != nil:
			return nil, &reqError{code: cqlproto.ErrConfig, msg: fmt.Sprintf("Invalid value for default_time_to_live: %s is not an integer", text)}
		case n < 0:
			return nil, &reqError{code: cqlproto.ErrConfig, msg: fmt.Sprintf("default_time_to_live must be greater than or equal to 0 (got %d)", n)}
		case n > maxTTL:
			return nil, &reqError{code: cqlproto.ErrConfig, msg: fmt.Sprintf("default_time_to_live must be less than or equal to %d (got %d)", maxTTL, n)}
		case n > 0 && counters > 0:
			return nil, invalidf("Cannot set default_time_to_live on a table with counters")
		}
		defaultTTL = n
	}
	if ks.tables[v.Table.Name] != nil {
		if v.IfNotExists {
			return voidResult().body, nil
		}
		return nil, alreadyExists(ksName, v.Table.Name)
	}
	t := newTable(ksName, v.Table.Name, cols, options)
	t.counter = counters > 0
	t.defaultTTL = int32(defaultTTL)
	t.store = newStore(c.timestamp())
	ks.tables[t.name] = t
	sch.bumpVersionLocked()
	sch.mu.Unlock()
	body := c.announce("CREATED", "TABLE", ksName, t.name)
	sch.mu.Lock()
	return body, nil
}

// typeKeyspace finds the keyspace of a type statement; the schema lock is
// held.
func (c *Cluster) typeKeyspace(sessionKS string, n cqlparse.TypeName) (*keyspace, error) {
	ksName := orDefault(n.Keyspace, sessionKS)
	if ksName == "" {
		return nil, invalidf("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.typename")
	}
	ks := c.schema.keyspaces[ksName]
	if ks == nil {
		return nil, invalidf("Keyspace '%s' doesn't exist", ksName)
	}
	if ks.system {
		return nil, &reqError{code: cqlproto.ErrUnauthorized, msg: "Cannot alter types of system keyspace " + ksName}
	}
	return ks, nil
}

// fieldType parses the type of a UDT field, with CreateTypeStatement's
// rules.
func fieldType(ks *keyspace, f cqlparse.FieldDef) (cqltype.Type, error) {
	typ, err := parseColumnType(ks, f.Type, "field "+f.Name)
	if err != nil {
		return cqltype.Type{}, err
	}
	if typ.Kind == cqltype.Counter {
		return cqltype.Type{}, invalidf("A user type cannot contain counters")
	}
	if typ.Kind == cqltype.UDT && !typ.Frozen {
		return cqltype.Type{}, invalidf("A user type cannot contain non-frozen UDTs")
	}
	return typ, nil
}

// createType adds a user-defined type.
func (c *Cluster) createType(sessionKS string, v *cqlparse.CreateType) ([]byte, error) {
	sch := c.schema
	sch.mu.Lock()
	ks, err := c.typeKeyspace(sessionKS, v.Name)
	if err != nil {
		sch.mu.Unlock()
		return nil, err
	}
	if _, ok := ks.types[v.Name.Name]; ok {
		sch.mu.Unlock()
		if v.IfNotExists {
			return voidResult().body, nil
		}
		return nil, invalidf("A user type with name '%s' already exists", v.Name.Name)
	}
	udt := cqltype.Type{Kind: cqltype.UDT, Keyspace: ks.name, Name: v.Name.Name}
	for _, f := range v.Fields {
		if slices.Contains(udt.Fields, f.Name) {
			sch.mu.Unlock()
			return nil, invalidf("Duplicate field name '%s' in type '%s'", f.Name, v.Name.Name)
		}
		typ, err := fieldType(ks, f)
		if err != nil {
			sch.mu.Unlock()
			return nil, err
		}
		udt.Fields = append(udt.Fields, f.Name)
		udt.Elems = append(udt.Elems, typ)
	}
	if ks.types == nil {
		ks.types = map[string]cqltype.Type{}
	}
	ks.types[udt.Name] = udt
	sch.bumpVersionLocked()
	sch.mu.Unlock()
	return c.announce("CREATED", "TYPE", ks.name, udt.Name), nil
}

// dropType removes a user-defined type no table or type uses.
func (c *Cluster) dropType(sessionKS string, v *cqlparse.DropType) ([]byte, error) {
	sch := c.schema
	sch.mu.Lock()
	ksName := orDefault(v.Name.Keyspace, sessionKS)
	ks := sch.keyspaces[ksName]
	var found bool
	if ks != nil {
		_, found = ks.types[v.Name.Name]
	}
	if !found {
		sch.mu.Unlock()
		if v.IfExists {
			return voidResult().body, nil
		}
		if ksName == "" {
			return nil, invalidf("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.typename")
		}
		return nil, invalidf("Type '%s.%s' doesn't exist", ksName, v.Name.Name)
	}
	var users []string
	for _, name := range sortedKeys(ks.types) {
		if name != v.Name.Name && slices.ContainsFunc(ks.types[name].Elems, func(e cqltype.Type) bool { return e.Contains(ks.name, v.Name.Name) }) {
			users = append(users, name)
		}
	}
	if len(users) > 0 {
		sch.mu.Unlock()
		return nil, invalidf("Cannot drop user type '%s.%s' as it is still used by user types %s", ks.name, v.Name.Name, strings.Join(users, ", "))
	}
	for _, t := range sortedTables(ks) {
		if slices.ContainsFunc(t.columns, func(col *column) bool { return col.typ.Contains(ks.name, v.Name.Name) }) {
			users = append(users, t.name)
		}
	}
	if len(users) > 0 {
		sch.mu.Unlock()
		return nil, invalidf("Cannot drop user type '%s.%s' as it is still used by tables %s", ks.name, v.Name.Name, strings.Join(users, ", "))
	}
	delete(ks.types, v.Name.Name)
	sch.bumpVersionLocked()
	sch.mu.Unlock()
	return c.announce("DROPPED", "TYPE", ks.name, v.Name.Name), nil
}

// alterType adds or renames fields of a user-defined type, and updates
// the types that nest it and the tables that use it: their columns get the
// new type, so that results describe it, and their prepared statements are
// planned again (the tables are replaced, with the same data).
func (c *Cluster) alterType(sessionKS string, v *cqlparse.AlterType) ([]byte, error) {
	sch := c.schema
	sch.mu.Lock()
	ks, err := c.typeKeyspace(sessionKS, v.Name)
	if err != nil {
		sch.mu.Unlock()
		return nil, err
	}
	old, ok := ks.types[v.Name.Name]
	if !ok {
		sch.mu.Unlock()
		return nil, invalidf("Type %s.%s doesn't exist", ks.name, v.Name.Name)
	}
	udt := old
	udt.Fields = slices.Clone(old.Fields)
	udt.Elems = slices.Clone(old.Elems)
	switch {
	case v.AlterField != "":
		sch.mu.Unlock()
		return nil, invalidf("Altering field types is no longer supported")
	case v.Add != nil:
		if slices.Contains(udt.Fields, v.Add.Name) {
			sch.mu.Unlock()
			return nil, invalidf("Cannot add field %s to type %s.%s: a field with name %s already exists", v.Add.Name, ks.name, udt.Name, v.Add.Name)
		}
		typ, err := fieldType(ks, *v.Add)
		if err != nil {
			sch.mu.Unlock()
			return nil, err
		}
		if typ.Contains(ks.name, udt.Name) {
			sch.mu.Unlock()
			return nil, invalidf("Cannot add new field %s of type %s to user type %s.%s as it would create a circular reference", v.Add.Name, typ, ks.name, udt.Name)
		}
		var inKey []string
		for _, t := range sortedTables(ks) {
			if slices.ContainsFunc(t.pk, func(col *column) bool { return col.typ.Contains(ks.name, udt.Name) }) {
				inKey = append(inKey, t.qualified())
			}
		}
		if len(inKey) > 0 {
			sch.mu.Unlock()
			return nil, invalidf("Cannot add new field %s of type %s to user type %s.%s as the type is being used in partition key by the following tables: %s", v.Add.Name, typ, ks.name, udt.Name, strings.Join(inKey, ", "))
		}
		udt.Fields = append(udt.Fields, v.Add.Name)
		udt.Elems = append(udt.Elems, typ)
	default:
		for _, r := range v.Renames {
			i := slices.Index(udt.Fields, r[0])
			if i < 0 {
				sch.mu.Unlock()
				// Cassandra's message, typo included.
				return nil, invalidf("Unkown field %s in user type %s.%s", r[0], ks.name, udt.Name)
			}
			udt.Fields[i] = r[1]
		}
		for i, f := range udt.Fields {
			if slices.Contains(udt.Fields[i+1:], f) {
				sch.mu.Unlock()
				// Cassandra's message names the keyspace where it means
				// the type.
				return nil, invalidf("Duplicate field name %s in type %s", f, ks.name)
			}
		}
	}
	ks.types[udt.Name] = udt
	for name, other := range ks.types {
		if name != udt.Name && other.Contains(ks.name, udt.Name) {
			ks.types[name] = replaceUDT(other, udt)
		}
	}
	for name, t := range ks.tables {
		if !slices.ContainsFunc(t.columns, func(col *column) bool { return col.typ.Contains(ks.name, udt.Name) }) {
			continue
		}
		ks.tables[name] = t.withType(udt)
	}
	sch.bumpVersionLocked()
	sch.mu.Unlock()
	return c.announce("UPDATED", "TYPE", ks.name, udt.Name), nil
}

// replaceUDT returns t with every occurrence of the user-defined type
// udt.Keyspace.udt.Name replaced by udt, keeping each occurrence's
// frozenness (and freezing udt's fields where it is frozen).
func replaceUDT(t, udt cqltype.Type) cqltype.Type {
	if t.Kind == cqltype.UDT && t.Keyspace == udt.Keyspace && t.Name == udt.Name {
		if t.Frozen {
			return cqltype.FrozenOf(udt)
		}
		return udt
	}
	if len(t.Elems) == 0 {
		return t
	}
	elems := make([]cqltype.Type, len(t.Elems))
	for i, e := range t.Elems {
		elems[i] = replaceUDT(e, udt)
	}
	t.Elems = elems
	return t
}

// withType returns a copy of t whose columns use the new definition of
// udt, sharing t's data.
func (t *table) withType(udt cqltype.Type) *table {
	cols := make([]*column, len(t.columns))
	for i, col := range t.columns {
		cp := *col
		cp.typ = replaceUDT(col.typ, udt)
		cols[i] = &cp
	}
	nt := newTable(t.keyspace, t.name, cols, t.options)
	nt.id, nt.counter, nt.defaultTTL, nt.store = t.id, t.counter, t.defaultTTL, t.store
	return nt
}
