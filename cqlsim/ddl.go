package cqlsim

import (
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
	if target == "TABLE" {
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
		sch.keyspaces[v.Name] = &keyspace{name: v.Name, repl: repl, durableWrites: durable, tables: map[string]*table{}}
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
		t.store.mu.Lock()
		fresh := newStore()
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
	var cols []*column
	byName := map[string]*column{}
	for _, d := range v.Columns {
		if d.Static {
			return nil, invalidf("Static columns are not supported by cqlsim (column %s)", d.Name)
		}
		if byName[d.Name] != nil {
			return nil, invalidf("Duplicate column '%s' declaration for table %s", d.Name, v.Table.Name)
		}
		typ, err := cqltype.Parse(d.Type)
		if err != nil {
			return nil, invalidf("Unknown type %s for column %s: %v", d.Type, d.Name, err)
		}
		if typ.Kind == cqltype.Counter || typ.Kind == cqltype.UDT || typ.Kind == cqltype.Custom {
			return nil, invalidf("Type %s of column %s is not supported by cqlsim", d.Type, d.Name)
		}
		col := &column{name: d.Name, typ: typ, kind: kindRegular, pos: -1}
		byName[d.Name] = col
		cols = append(cols, col)
	}
	for i, name := range v.PartitionKey {
		col := byName[name]
		if col == nil {
			return nil, invalidf("Unknown definition %s referenced in PRIMARY KEY", name)
		}
		if col.kind != kindRegular {
			return nil, invalidf("Column %s appears twice in PRIMARY KEY", name)
		}
		if col.typ.IsCollection() && !col.typ.Frozen {
			return nil, invalidf("Invalid non-frozen collection type for PRIMARY KEY component %s", name)
		}
		col.kind, col.pos = kindPartitionKey, i
	}
	for i, name := range v.Clustering {
		col := byName[name]
		if col == nil {
			return nil, invalidf("Unknown definition %s referenced in PRIMARY KEY", name)
		}
		if col.kind != kindRegular {
			return nil, invalidf("Column %s appears twice in PRIMARY KEY", name)
		}
		if col.typ.IsCollection() && !col.typ.Frozen {
			return nil, invalidf("Invalid non-frozen collection type for PRIMARY KEY component %s", name)
		}
		col.kind, col.pos = kindClustering, i
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
	options := map[string]string{}
	for k, t := range v.Options {
		if lit, ok := t.(*cqlparse.Literal); ok {
			options[k] = lit.Text
		}
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
	if ks.tables[v.Table.Name] != nil {
		if v.IfNotExists {
			return voidResult().body, nil
		}
		return nil, alreadyExists(ksName, v.Table.Name)
	}
	t := newTable(ksName, v.Table.Name, cols, options)
	t.store = newStore()
	ks.tables[t.name] = t
	sch.bumpVersionLocked()
	sch.mu.Unlock()
	body := c.announce("CREATED", "TABLE", ksName, t.name)
	sch.mu.Lock()
	return body, nil
}
