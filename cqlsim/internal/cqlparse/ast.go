package cqlparse

// Statement is one parsed CQL statement. It is one of *Select, *Insert,
// *Update, *Delete, *CreateKeyspace, *CreateTable, *CreateType,
// *AlterType, *DropKeyspace, *DropTable, *DropType, *Use, *Truncate, *Batch,
// *Describe, *AlterIgnored.
type Statement interface{ stmt() }

// TableName is an optionally keyspace-qualified table name. Unquoted
// identifiers are lower-cased by the parser; quoted ones ("MyTable") keep
// their case and lose the quotes.
type TableName struct {
	Keyspace string // "" when not qualified
	Name     string
}

// Op is a comparison operator in a WHERE relation.
type Op int

// Comparison operators.
const (
	OpEq          Op = iota // =
	OpLt                    // <
	OpLe                    // <=
	OpGt                    // >
	OpGe                    // >=
	OpIn                    // IN
	OpNe                    // != (parsed so that the executor can refuse it by name)
	OpContains              // CONTAINS
	OpContainsKey           // CONTAINS KEY
)

// String returns the operator as written in CQL.
func (o Op) String() string {
	switch o {
	case OpEq:
		return "="
	case OpLt:
		return "<"
	case OpLe:
		return "<="
	case OpGt:
		return ">"
	case OpGe:
		return ">="
	case OpIn:
		return "IN"
	case OpNe:
		return "!="
	case OpContains:
		return "CONTAINS"
	case OpContainsKey:
		return "CONTAINS KEY"
	}
	return "?"
}

// Term is a value in a statement: *Literal, *BindMarker, *CollectionLit,
// *TupleLit, *UDTLit, *FuncCall.
type Term interface{ term() }

// LiteralKind classifies a constant as the lexer saw it.
type LiteralKind int

// Literal kinds.
const (
	LitString   LiteralKind = iota // 'text' (Text holds the unescaped content)
	LitInteger                     // 42, -7 (Text holds the digits with sign)
	LitFloat                       // 1.5, -2e10, NaN, Infinity, -Infinity
	LitBool                        // true / false (Text is "true" or "false")
	LitNull                        // null
	LitUUID                        // 123e4567-e89b-12d3-a456-426614174000
	LitHex                         // 0xCAFE (Text holds the hex digits without 0x)
	LitDuration                    // 1h30m, P1D (Text as written)
)

// Literal is a constant.
type Literal struct {
	Kind LiteralKind
	Text string
}

// BindMarker is `?` (Name == "") or `:name`. Index is the 0-based position of
// the marker among all markers of the statement, in source order.
type BindMarker struct {
	Index int
	Name  string
}

// CollectionKind tells list, set and map literals apart.
type CollectionKind int

// Collection literal kinds.
const (
	CollList CollectionKind = iota // [a, b]
	CollSet                        // {a, b}
	CollMap                        // {k: v, ...}; {} is parsed as an empty map
)

// CollectionLit is a list, set or map literal. For maps, Keys and Values
// have the same length; for lists and sets only Values is used.
type CollectionLit struct {
	Kind   CollectionKind
	Keys   []Term
	Values []Term
}

// TupleLit is a parenthesised list of terms: (1, 'a').
type TupleLit struct{ Elems []Term }

// UDTLit is a user-defined type literal: {street: 'Main', zip: ?}. Fields
// are lower-cased unless quoted; Values has the same length.
type UDTLit struct {
	Fields []string
	Values []Term
}

// FuncCall is a function applied to terms, such as token(?), now(),
// uuid(), toTimestamp(now()). Name is lower-cased.
type FuncCall struct {
	Name string
	Args []Term
}

// Relation is one restriction of a WHERE clause.
//
//   - `col op term`: Columns has one name, Token is false.
//   - `token(a, b) op term`: Token is true, Columns holds a and b.
//   - `(c1, c2) op (t1, t2)`: multi-column; Columns holds c1, c2 and
//     Value is a *TupleLit (or a *BindMarker).
//   - `col IN (t1, t2)`: Op is OpIn and Value is a *TupleLit whose Elems are
//     the candidates; `col IN ?` has a *BindMarker.
//   - `col[key] op term`: Key is set (map element restriction in WHERE, or
//     element condition in IF).
type Relation struct {
	Columns []string
	Token   bool
	Multi   bool // the (c1, c2) form
	Op      Op
	Value   Term
	Key     Term // for col[key] op term; nil otherwise
}

// Selector is one item of a SELECT clause.
type Selector struct {
	// Column is the selected column when the selector is a plain column.
	Column string
	// Func is set for function selectors: count(*) is Func "count" with
	// Star true; token(a, b) is Func "token" with Args {a, b};
	// writetime(c) and ttl(c) likewise.
	Func string
	Args []string
	Star bool
	// Alias is the AS name, "" if none.
	Alias string
}

// OrderBy is one item of ORDER BY.
type OrderBy struct {
	Column string
	Desc   bool
}

// Select is a SELECT statement.
type Select struct {
	Table             TableName
	Star              bool       // SELECT *
	Selectors         []Selector // empty when Star
	Distinct          bool
	JSON              bool
	Where             []Relation
	OrderBy           []OrderBy
	PerPartitionLimit Term // nil if absent
	Limit             Term // nil if absent; *Literal (LitInteger) or *BindMarker
	AllowFiltering    bool
}

// Using holds USING TTL / TIMESTAMP options (nil Term when absent).
type Using struct {
	TTL       Term
	Timestamp Term
}

// Insert is INSERT INTO t (cols) VALUES (terms) or INSERT INTO t JSON '...'.
type Insert struct {
	Table   TableName
	Columns []string
	Values  []Term
	JSON    Term // non-nil for INSERT ... JSON
	// JSONDefaultUnset is true for INSERT ... JSON '...' DEFAULT UNSET:
	// columns missing from the JSON are left unchanged instead of set to
	// null.
	JSONDefaultUnset bool
	IfNotExists      bool
	Using            Using
}

// Assignment is one item of UPDATE ... SET: `col = term`, `col = col +
// term` and `col = col - term` (Op "+" or "-"), `col[key] = term` (Key) or
// `col.field = term` (Field).
type Assignment struct {
	Column string
	Op     string // "" for plain assignment, "+" or "-" for col = col +/- term
	Key    Term   // for col[key] = term
	Field  string // for col.field = term
	Value  Term
	// Prepend is true for `col = term + col` (list prepend); Op is then "+".
	Prepend bool
}

// Update is UPDATE t [USING ...] SET ... WHERE ... [IF EXISTS | IF cond
// AND ...].
type Update struct {
	Table    TableName
	Using    Using
	Set      []Assignment
	Where    []Relation
	IfExists bool
	// Conditions holds the IF conditions of a conditional update
	// (`IF a = 1 AND m['k'] != null`): one Column, optional Key, Op among
	// = < <= > >= != IN. Empty when there is no IF or it is IF EXISTS.
	Conditions []Relation
}

// Delete is DELETE [cols] FROM t [USING TIMESTAMP ..] WHERE ... [IF EXISTS
// | IF cond AND ...].
type Delete struct {
	Table   TableName
	Columns []string // non-empty deletes cells only
	// Keys is nil unless some column is written col[key] (delete one map
	// entry or list element); then it has the same length as Columns, with
	// a nil entry for each whole column.
	Keys     []Term
	Using    Using
	Where    []Relation
	IfExists bool
	// Conditions holds IF conditions, as for Update.
	Conditions []Relation
}

// ColumnDef is one column of CREATE TABLE.
type ColumnDef struct {
	Name string
	// Type is the CQL type text as written, normalised to lower case with
	// no spaces: "int", "map<text,frozen<list<int>>>", "varchar".
	Type   string
	Static bool
	// PrimaryKey is true for `name type PRIMARY KEY`.
	PrimaryKey bool
}

// ClusteringOrder is one item of WITH CLUSTERING ORDER BY (...).
type ClusteringOrder struct {
	Column string
	Desc   bool
}

// CreateTable is CREATE TABLE [IF NOT EXISTS] t (...) [WITH ...].
type CreateTable struct {
	Table          TableName
	IfNotExists    bool
	Columns        []ColumnDef
	PartitionKey   []string // from PRIMARY KEY ((a, b), c) or the column's PRIMARY KEY
	Clustering     []string
	ClusterOrder   []ClusteringOrder
	CompactStorage bool
	// Options holds the other WITH options, name lower-cased, value as a
	// Term (string, number, map literal ...).
	Options map[string]Term
}

// TypeName is an optionally keyspace-qualified user-defined type name,
// lower-cased unless quoted.
type TypeName struct {
	Keyspace string // "" when not qualified
	Name     string
}

// FieldDef is one field of CREATE TYPE or ALTER TYPE ... ADD; Type is
// normalised as in ColumnDef.
type FieldDef struct {
	Name string
	Type string
}

// CreateType is CREATE TYPE [IF NOT EXISTS] t (field type, ...).
type CreateType struct {
	Name        TypeName
	IfNotExists bool
	Fields      []FieldDef
}

// AlterType is ALTER TYPE t ADD field type, ALTER TYPE t RENAME a TO b [AND
// c TO d ...], or ALTER TYPE t ALTER field TYPE type (AlterField set, which
// Cassandra 4 refuses).
type AlterType struct {
	Name       TypeName
	Add        *FieldDef
	Renames    [][2]string // from, to
	AlterField string
}

// DropType is DROP TYPE [IF EXISTS] t.
type DropType struct {
	Name     TypeName
	IfExists bool
}

// CreateKeyspace is CREATE KEYSPACE [IF NOT EXISTS] k WITH replication = {...}
// [AND durable_writes = bool].
type CreateKeyspace struct {
	Name          string
	IfNotExists   bool
	Replication   map[string]string // keys and values as strings, e.g. "class": "SimpleStrategy", "replication_factor": "3"
	DurableWrites *bool
}

// DropKeyspace is DROP KEYSPACE [IF EXISTS] k.
type DropKeyspace struct {
	Name     string
	IfExists bool
}

// DropTable is DROP TABLE [IF EXISTS] t.
type DropTable struct {
	Table    TableName
	IfExists bool
}

// Use is USE k.
type Use struct{ Keyspace string }

// Truncate is TRUNCATE [TABLE] t.
type Truncate struct{ Table TableName }

// BatchType is the kind of a BEGIN ... BATCH.
type BatchType int

// Batch kinds.
const (
	BatchLogged BatchType = iota
	BatchUnlogged
	BatchCounter
)

// Batch is BEGIN [UNLOGGED|COUNTER] BATCH [USING ...] stmts APPLY BATCH.
// Bind marker indexes run across all inner statements.
type Batch struct {
	Type       BatchType
	Using      Using
	Statements []Statement // *Insert, *Update, *Delete
}

// AlterIgnored is an ALTER/CREATE INDEX/CREATE FUNCTION/... statement the
// simulator accepts syntactically but does not implement. Verb names the
// statement, e.g. "ALTER TABLE", "CREATE INDEX".
type AlterIgnored struct{ Verb string }

func (*Select) stmt()         {}
func (*Insert) stmt()         {}
func (*Update) stmt()         {}
func (*Delete) stmt()         {}
func (*CreateKeyspace) stmt() {}
func (*CreateTable) stmt()    {}
func (*CreateType) stmt()     {}
func (*AlterType) stmt()      {}
func (*DropType) stmt()       {}
func (*DropKeyspace) stmt()   {}
func (*DropTable) stmt()      {}
func (*Use) stmt()            {}
func (*Truncate) stmt()       {}
func (*Batch) stmt()          {}
func (*AlterIgnored) stmt()   {}

func (*Literal) term()       {}
func (*BindMarker) term()    {}
func (*CollectionLit) term() {}
func (*TupleLit) term()      {}
func (*UDTLit) term()        {}
func (*FuncCall) term()      {}

// Parsed is the result of Parse: the statement and its bind markers in
// source order (so len(Markers) is the number of values a client binds).
type Parsed struct {
	Stmt    Statement
	Markers []*BindMarker
}

// SyntaxError is returned for text that is not valid CQL. Its message reads
// like Cassandra's: "line 1:14 no viable alternative at input 'FORM'" or
// "line 1:7 mismatched input 'x' expecting K_FROM".
type SyntaxError struct {
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string { return e.Msg }
