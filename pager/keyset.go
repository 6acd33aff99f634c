package pager

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/ringscan/ringscan/internal/cqlident"
	"github.com/ringscan/ringscan/internal/schema"
)

// Keyset names what Pager.Keyset reads: a table, or one partition of it,
// in the order the server stores it (partitions by token, rows by
// clustering order within a partition).
type Keyset struct {
	// Keyspace and Table name the table. Required. Names are
	// case-sensitive as stored (unquoted CQL names are lower case).
	Keyspace, Table string
	// Columns are the columns to return, in order. The primary key columns
	// are read too, to build the cursor, but only returned if listed.
	// Default: all columns, partition key, clustering columns, then the
	// others by name (the order of SELECT *).
	Columns []string
	// Partition, when set, holds one value per partition key column, in
	// order, and restricts the read to that partition. Default: the whole
	// table.
	Partition []any
}

// keyCol is a primary key column of a keyset plan.
type keyCol struct {
	name string // quoted
	desc bool
	idx  int // position in the select list
}

// keysetPlan is a Keyset resolved against the table's metadata.
type keysetPlan struct {
	sel       string // SELECT <columns> FROM <table>
	pk, ck    []keyCol
	nOut      int      // the caller's columns come first in the select list
	partition [][]byte // serialized Partition values, or nil
	fp        fingerprint
}

// Keyset reads one page of a table or partition in primary key order,
// starting after the row a keyset cursor names (empty for the first page).
// Unlike Fetch's cursor, a keyset cursor holds the last row's primary key
// rather than a server paging state, so it stays valid across server
// restarts, upgrades and schema changes that keep the primary key.
//
// Rows are read with single-column restrictions only: after the row
// (p, c1..cn) comes the rest of partition p, as
//
//	WHERE pk = p AND c1 = c1 AND ... AND c(n-1) = c(n-1) AND cn > cn
//	...
//	WHERE pk = p AND c1 > c1
//
// (with < for a DESC column: "after" follows the clustering order), then
// the following partitions, WHERE token(pk) > token(p). Each statement is
// paged until the page is full. A page holds pageSize rows (0 for the
// default) unless the table ends first; its Next is empty only at the end.
//
// Partitions whose token equals the last row's partition token but whose
// key differs (a Murmur3 collision, expected about once in 2^32 pairs of
// partitions) are skipped: CQL cannot restrict by token and key together.
func (p *Pager) Keyset(ctx context.Context, k Keyset, cursor Cursor, pageSize int) (Page, error) {
	size, err := p.pageSize(pageSize)
	if err != nil {
		return Page{}, err
	}
	plan, err := p.keysetPlan(ctx, k)
	if err != nil {
		return Page{}, err
	}
	type step struct {
		stmt   string
		values []any
	}
	var steps []step
	if cursor == "" {
		where := ""
		var vals []any
		if plan.partition != nil {
			where = " WHERE " + plan.pkEquals()
			vals = rawValues(plan.partition)
		}
		steps = append(steps, step{plan.sel + where, vals})
	} else {
		payload, err := p.decodeCursor(cursor, kindKeyset, plan.fp)
		if err != nil {
			return Page{}, err
		}
		key, err := decodeKey(payload, len(plan.pk)+len(plan.ck))
		if err != nil {
			return Page{}, err
		}
		pkVals := rawValues(key[:len(plan.pk)])
		ckVals := key[len(plan.pk):]
		for l := len(plan.ck); l >= 1; l-- {
			conds := []string{plan.pkEquals()}
			for _, c := range plan.ck[:l-1] {
				conds = append(conds, c.name+" = ?")
			}
			last := plan.ck[l-1]
			op := " > ?"
			if last.desc {
				op = " < ?"
			}
			conds = append(conds, last.name+op)
			steps = append(steps, step{plan.sel + " WHERE " + strings.Join(conds, " AND "), slices.Concat(pkVals, rawValues(ckVals[:l]))})
		}
		if plan.partition == nil {
			tok := plan.tokenExpr()
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(plan.pk)), ", ")
			steps = append(steps, step{plan.sel + " WHERE " + tok + " > token(" + marks + ")", pkVals})
		}
	}

	var (
		page Page
		full []Row // rows with their hidden key columns
	)
	for _, s := range steps {
		var state []byte
		for len(full) < size {
			res, err := p.request(ctx, s.stmt, s.values, state, size-len(full))
			if err != nil {
				return Page{}, err
			}
			if page.Columns == nil && res.cols != nil {
				page.Columns = res.cols[:plan.nOut:plan.nOut]
			}
			full = append(full, res.rows...)
			if state = res.next; len(state) == 0 {
				break
			}
		}
		if len(full) >= size {
			break
		}
	}
	page.Rows = make([]Row, len(full))
	for i, r := range full {
		page.Rows[i] = Row{cols: page.Columns, vals: r.vals[:plan.nOut:plan.nOut]}
	}
	if len(full) >= size {
		last := full[len(full)-1]
		key := make([][]byte, 0, len(plan.pk)+len(plan.ck))
		for _, c := range slices.Concat(plan.pk, plan.ck) {
			key = append(key, last.vals[c.idx])
		}
		page.Next = p.encodeCursor(kindKeyset, plan.fp, encodeKey(key))
	}
	return page, nil
}

// KeysetRows iterates over the rows of a Keyset from cursor on, with the
// background fetching of Rows.
func (p *Pager) KeysetRows(ctx context.Context, k Keyset, cursor Cursor, pageSize int) *Rows {
	return p.newRows(ctx, func(ctx context.Context, c Cursor) (Page, error) {
		return p.Keyset(ctx, k, c, pageSize)
	}, cursor, pageSize)
}

func (pl *keysetPlan) pkEquals() string {
	conds := make([]string, len(pl.pk))
	for i, c := range pl.pk {
		conds[i] = c.name + " = ?"
	}
	return strings.Join(conds, " AND ")
}

func (pl *keysetPlan) tokenExpr() string {
	names := make([]string, len(pl.pk))
	for i, c := range pl.pk {
		names[i] = c.name
	}
	return "token(" + strings.Join(names, ", ") + ")"
}

// keysetPlan reads the table's metadata and builds the select list.
func (p *Pager) keysetPlan(ctx context.Context, k Keyset) (*keysetPlan, error) {
	if k.Keyspace == "" || k.Table == "" {
		return nil, fmt.Errorf("keyset: Keyspace and Table are required")
	}
	t, err := schema.Load(ctx, p.session, k.Keyspace, k.Table)
	if err != nil {
		return nil, err
	}
	cols, err := t.Columns(k.Columns)
	if err != nil {
		return nil, err
	}
	// Hidden values: the primary key columns not asked for.
	sel := t.Select(cols, false)
	pl := &keysetPlan{nOut: sel.Out}
	f := newFingerprinter("keyset")
	f.str(k.Keyspace)
	f.str(k.Table)
	for _, c := range cols {
		f.str(c.Name)
	}
	key := func(i int) keyCol {
		c := sel.Columns[i]
		f.str(c.Name)
		f.str(typeName(c.Meta))
		f.str(fmt.Sprint(c.Desc))
		return keyCol{name: cqlident.Quote(c.Name), desc: c.Desc, idx: i}
	}
	for _, i := range sel.PK {
		pl.pk = append(pl.pk, key(i))
	}
	for _, i := range sel.CK {
		pl.ck = append(pl.ck, key(i))
	}
	if k.Partition != nil {
		if len(k.Partition) != len(t.PartitionKey) {
			return nil, fmt.Errorf("keyset: Partition has %d values; table %s.%s has %d partition key columns", len(k.Partition), k.Keyspace, k.Table, len(t.PartitionKey))
		}
		for i, v := range k.Partition {
			cm := t.PartitionKey[i].Meta
			b, err := gocql.Marshal(cm.Type, v)
			if err != nil {
				return nil, fmt.Errorf("partition key %s: %w", cm.Name, err)
			}
			if b == nil {
				return nil, fmt.Errorf("partition key %s: null", cm.Name)
			}
			pl.partition = append(pl.partition, b)
			f.field(b)
		}
	}
	pl.fp = f.sum()
	pl.sel = "SELECT " + sel.List + " FROM " + t.From()
	return pl, nil
}

// typeName is a column's CQL type as the schema tables write it.
func typeName(cm *gocql.ColumnMetadata) string {
	if cm.Validator != "" {
		return cm.Validator
	}
	return fmt.Sprint(cm.Type)
}

// rawValue binds bytes that are already serialized (a key read from a row
// or a cursor).
type rawValue []byte

func (v rawValue) MarshalCQL(gocql.TypeInfo) ([]byte, error) { return v, nil }

func rawValues(b [][]byte) []any {
	out := make([]any, len(b))
	for i, v := range b {
		out[i] = rawValue(v)
	}
	return out
}

// encodeKey serializes key values: a count, then each as length and bytes.
func encodeKey(key [][]byte) []byte {
	b := binary.AppendUvarint(nil, uint64(len(key)))
	for _, v := range key {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return b
}

func decodeKey(b []byte, want int) ([][]byte, error) {
	bad := fmt.Errorf("%w: malformed key", ErrInvalidCursor)
	n, k := binary.Uvarint(b)
	if k <= 0 || n != uint64(want) {
		return nil, bad
	}
	b = b[k:]
	out := make([][]byte, 0, want)
	for range want {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, bad
		}
		out = append(out, b[k:k+int(l)])
		b = b[k+int(l):]
	}
	if len(b) != 0 {
		return nil, bad
	}
	return out, nil
}
