package cqltype

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ringscan/ringscan/internal/cqlident"
)

// Kind is a CQL type as identified by a protocol v4 [option] id.
type Kind uint16

// Option ids of protocol v4 (section 4.2.5.2). KindDuration is the v5 id,
// accepted here as well. The four kinds whose names would collide with the
// value types UUID, Decimal, Date and Duration carry a Kind prefix.
const (
	Custom       Kind = 0x0000
	Ascii        Kind = 0x0001
	Bigint       Kind = 0x0002
	Blob         Kind = 0x0003
	Boolean      Kind = 0x0004
	Counter      Kind = 0x0005
	KindDecimal  Kind = 0x0006
	Double       Kind = 0x0007
	Float        Kind = 0x0008
	Int          Kind = 0x0009
	Timestamp    Kind = 0x000B
	KindUUID     Kind = 0x000C
	Varchar      Kind = 0x000D
	Varint       Kind = 0x000E
	Timeuuid     Kind = 0x000F
	Inet         Kind = 0x0010
	KindDate     Kind = 0x0011
	Time         Kind = 0x0012
	Smallint     Kind = 0x0013
	Tinyint      Kind = 0x0014
	KindDuration Kind = 0x0015
	List         Kind = 0x0020
	Map          Kind = 0x0021
	Set          Kind = 0x0022
	UDT          Kind = 0x0030
	Tuple        Kind = 0x0031
)

// MaxDepth bounds the nesting of types accepted by Parse and ReadOption, and
// with it the recursion depth of every function of this package.
const MaxDepth = 32

var (
	// ErrUnknownType is wrapped by the errors of Parse and ReadOption for a
	// name or option id that is not a CQL type.
	ErrUnknownType = errors.New("unknown type")
	// ErrTooDeep is wrapped by the errors of Parse and ReadOption for types
	// nested deeper than MaxDepth.
	ErrTooDeep = errors.New("type nested too deeply")
)

// nativeKind returns the kind of a lower-case native type name; "varchar"
// is an alias of "text".
func nativeKind(name string) (Kind, bool) {
	switch name {
	case "varchar":
		return Varchar, true
	case "custom", "list", "map", "set", "udt", "tuple":
		return 0, false
	}
	for k := Ascii; k <= KindDuration; k++ {
		if k.String() == name {
			return k, true
		}
	}
	return 0, false
}

// String returns the CQL name of k ("text" for Varchar), or "kind(0x00NN)"
// for an id that is not a type.
func (k Kind) String() string {
	switch k {
	case Custom:
		return "custom"
	case Ascii:
		return "ascii"
	case Bigint:
		return "bigint"
	case Blob:
		return "blob"
	case Boolean:
		return "boolean"
	case Counter:
		return "counter"
	case KindDecimal:
		return "decimal"
	case Double:
		return "double"
	case Float:
		return "float"
	case Int:
		return "int"
	case Timestamp:
		return "timestamp"
	case KindUUID:
		return "uuid"
	case Varchar:
		return "text"
	case Varint:
		return "varint"
	case Timeuuid:
		return "timeuuid"
	case Inet:
		return "inet"
	case KindDate:
		return "date"
	case Time:
		return "time"
	case Smallint:
		return "smallint"
	case Tinyint:
		return "tinyint"
	case KindDuration:
		return "duration"
	case List:
		return "list"
	case Map:
		return "map"
	case Set:
		return "set"
	case UDT:
		return "udt"
	case Tuple:
		return "tuple"
	}
	return fmt.Sprintf("kind(0x%04x)", uint16(k))
}

// valid reports whether k is one of the option ids above.
func (k Kind) valid() bool {
	return k <= KindDuration && k != 0x000A || k >= List && k <= Set || k == UDT || k == Tuple
}

// Type is a CQL type. The zero value is a Custom type with an empty class
// name; build native types as Type{Kind: Int}.
type Type struct {
	Kind Kind
	// Elems holds the parameters: list and set one element type, map the
	// key and value types, tuple its element types, UDT its field types.
	Elems []Type
	// Frozen is true for a frozen collection, tuple or UDT. Tuples are
	// always frozen in Cassandra; Parse sets it for them.
	Frozen bool
	// Custom is the class name of a Custom type.
	Custom string
	// Keyspace, Name and Fields describe a UDT; Fields[i] is the name of the
	// field of type Elems[i].
	Keyspace, Name string
	Fields         []string
}

// Native returns the type of kind k without parameters.
func Native(k Kind) Type { return Type{Kind: k} }

// ListOf returns the non-frozen type list<elem>.
func ListOf(elem Type) Type { return Type{Kind: List, Elems: []Type{elem}} }

// SetOf returns the non-frozen type set<elem>.
func SetOf(elem Type) Type { return Type{Kind: Set, Elems: []Type{elem}} }

// MapOf returns the non-frozen type map<key, value>.
func MapOf(key, value Type) Type { return Type{Kind: Map, Elems: []Type{key, value}} }

// TupleOf returns the type tuple<elems...>, frozen as in Cassandra.
func TupleOf(elems ...Type) Type { return Type{Kind: Tuple, Elems: elems, Frozen: true} }

// FrozenOf returns t and, recursively, its parameters with Frozen set, as
// CQL's frozen<t> does. Frozen applies to collections, tuples and UDTs only;
// other types are returned unchanged.
func FrozenOf(t Type) Type {
	if !t.freezable() {
		return t
	}
	t.Frozen = true
	if len(t.Elems) > 0 {
		elems := make([]Type, len(t.Elems))
		for i, e := range t.Elems {
			elems[i] = FrozenOf(e)
		}
		t.Elems = elems
	}
	return t
}

// IsCollection reports whether t is a list, set or map.
func (t Type) IsCollection() bool {
	return t.Kind == List || t.Kind == Set || t.Kind == Map
}

// freezable reports whether frozen<> applies to t.
func (t Type) freezable() bool {
	return t.IsCollection() || t.Kind == Tuple || t.Kind == UDT
}

// Equal reports whether t and u are the same type, frozenness included.
func (t Type) Equal(u Type) bool {
	if t.Kind != u.Kind || t.Frozen != u.Frozen || t.Custom != u.Custom ||
		t.Keyspace != u.Keyspace || t.Name != u.Name ||
		len(t.Elems) != len(u.Elems) || len(t.Fields) != len(u.Fields) {
		return false
	}
	for i := range t.Elems {
		if !t.Elems[i].Equal(u.Elems[i]) {
			return false
		}
	}
	for i := range t.Fields {
		if t.Fields[i] != u.Fields[i] {
			return false
		}
	}
	return true
}

// String returns t as Cassandra writes it in system_schema.columns.type:
// "text", "list<int>", "frozen<map<text, int>>", "frozen<tuple<int, text>>".
// A parameter that is frozen is written frozen<...> too, as Cassandra 4 does.
// Custom types are written as their quoted class name.
func (t Type) String() string {
	var sb strings.Builder
	t.writeTo(&sb, 0)
	return sb.String()
}

func (t Type) writeTo(sb *strings.Builder, depth int) {
	if depth > MaxDepth {
		sb.WriteString("...")
		return
	}
	frozen := t.Frozen && t.freezable()
	if frozen {
		sb.WriteString("frozen<")
	}
	switch t.Kind {
	case Custom:
		sb.WriteByte('\'')
		sb.WriteString(strings.ReplaceAll(t.Custom, "'", "''"))
		sb.WriteByte('\'')
	case List, Set, Map, Tuple:
		sb.WriteString(t.Kind.String())
		sb.WriteByte('<')
		for i, e := range t.Elems {
			if i > 0 {
				sb.WriteString(", ")
			}
			e.writeTo(sb, depth+1)
		}
		sb.WriteByte('>')
	case UDT:
		sb.WriteString(cqlident.Quote(t.Name))
	default:
		sb.WriteString(t.Kind.String())
	}
	if frozen {
		sb.WriteByte('>')
	}
}

// Parse parses CQL type text such as "int", "map<text, frozen<list<int>>>"
// or "tuple<int, text>". Names are case-insensitive and blanks may appear
// between tokens. A quoted string is a custom type's class name.
//
// Parse applies Cassandra's rules: frozen<> is only allowed on collections,
// tuples and UDTs and freezes everything inside; tuples are frozen;
// collections inside a non-frozen collection must be frozen; counters may
// not appear inside collections or tuples; durations may not be set elements
// or map keys. User-defined types are not resolved and give an error
// wrapping ErrUnknownType.
func Parse(s string) (Type, error) {
	p := typeParser{s: s}
	t, err := p.parseType(0, false)
	if err != nil {
		return Type{}, err
	}
	p.skipSpace()
	if p.pos != len(p.s) {
		return Type{}, fmt.Errorf("parse type %q: unexpected %q at offset %d", s, p.s[p.pos:], p.pos)
	}
	return t, nil
}

type typeParser struct {
	s   string
	pos int
	// resolve finds user-defined types (ParseWith); nil refuses them.
	resolve Resolver
}

func (p *typeParser) skipSpace() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *typeParser) errorf(format string, args ...any) error {
	return fmt.Errorf("parse type %q: %s", p.s, fmt.Sprintf(format, args...))
}

// ident reads a name made of letters, digits, '_' and '.'.
func (p *typeParser) ident() string {
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' {
			p.pos++
			continue
		}
		break
	}
	return p.s[start:p.pos]
}

// quoted reads a single-quoted string with ” as an escaped quote.
func (p *typeParser) quoted() (string, error) {
	var sb strings.Builder
	p.pos++ // opening quote
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		p.pos++
		if c != '\'' {
			sb.WriteByte(c)
			continue
		}
		if p.pos < len(p.s) && p.s[p.pos] == '\'' {
			sb.WriteByte('\'')
			p.pos++
			continue
		}
		return sb.String(), nil
	}
	return "", p.errorf("unterminated quoted class name")
}

// params reads "<T, T, ...>" after a parametrised type name.
func (p *typeParser) params(name string, depth int, frozen bool) ([]Type, error) {
	p.skipSpace()
	if p.pos >= len(p.s) || p.s[p.pos] != '<' {
		return nil, p.errorf("%s needs type parameters in <>", name)
	}
	p.pos++
	var elems []Type
	for {
		t, err := p.parseType(depth+1, frozen)
		if err != nil {
			return nil, err
		}
		elems = append(elems, t)
		p.skipSpace()
		if p.pos >= len(p.s) {
			return nil, p.errorf("missing '>'")
		}
		switch p.s[p.pos] {
		case ',':
			p.pos++
		case '>':
			p.pos++
			return elems, nil
		default:
			return nil, p.errorf("unexpected %q at offset %d", p.s[p.pos], p.pos)
		}
	}
}

// parseType parses one type; frozen is true inside frozen<> and tuples,
// where nested collections are frozen implicitly.
func (p *typeParser) parseType(depth int, frozen bool) (Type, error) {
	if depth > MaxDepth {
		return Type{}, fmt.Errorf("parse type %q: %w (more than %d levels)", p.s, ErrTooDeep, MaxDepth)
	}
	p.skipSpace()
	if p.pos < len(p.s) && p.s[p.pos] == '\'' {
		class, err := p.quoted()
		if err != nil {
			return Type{}, err
		}
		return Type{Kind: Custom, Custom: class}, nil
	}
	if p.resolve != nil && p.pos < len(p.s) && p.s[p.pos] == '"' {
		return p.userType(p.pos)
	}
	start := p.pos
	name := strings.ToLower(p.ident())
	if name == "" {
		if p.pos >= len(p.s) {
			return Type{}, p.errorf("missing type")
		}
		return Type{}, p.errorf("unexpected %q at offset %d", p.s[p.pos], p.pos)
	}
	if k, ok := nativeKind(name); ok {
		return Type{Kind: k}, nil
	}
	switch name {
	case "frozen":
		elems, err := p.params(name, depth, true)
		if err != nil {
			return Type{}, err
		}
		if len(elems) != 1 {
			return Type{}, p.errorf("frozen takes 1 type parameter, got %d", len(elems))
		}
		if !elems[0].freezable() {
			return Type{}, p.errorf("frozen<> is only allowed on collections, tuples, and user-defined types (got %s)", elems[0])
		}
		return FrozenOf(elems[0]), nil
	case "list", "set", "map":
		elems, err := p.params(name, depth, frozen)
		if err != nil {
			return Type{}, err
		}
		t := Type{Kind: List, Elems: elems}
		want := 1
		switch name {
		case "set":
			t.Kind = Set
		case "map":
			t.Kind, want = Map, 2
		}
		if len(elems) != want {
			return Type{}, p.errorf("%s takes %d type parameter(s), got %d", name, want, len(elems))
		}
		if err := checkCollection(t, frozen); err != nil {
			return Type{}, p.errorf("%v", err)
		}
		return t, nil
	case "tuple":
		elems, err := p.params(name, depth, true)
		if err != nil {
			return Type{}, err
		}
		for _, e := range elems {
			if e.Kind == Counter {
				return Type{}, p.errorf("Counters are not allowed inside tuples")
			}
		}
		return FrozenOf(Type{Kind: Tuple, Elems: elems}), nil
	}
	if p.resolve != nil {
		return p.userType(start)
	}
	return Type{}, fmt.Errorf("%w %q: not a CQL type", ErrUnknownType, p.s[start:p.pos])
}

// checkCollection applies Cassandra's rules on collection parameters. Inside
// frozen<> nested collections need not be frozen: frozen<> freezes them.
func checkCollection(t Type, frozen bool) error {
	for _, e := range t.Elems {
		switch {
		case e.Kind == Counter:
			return fmt.Errorf("Counters are not allowed inside collections: %s", t)
		case frozen:
		case e.IsCollection() && !e.Frozen:
			return fmt.Errorf("Non-frozen collections are not allowed inside collections: %s", t)
		case e.Kind == UDT && !e.Frozen:
			return fmt.Errorf("Non-frozen UDTs are not allowed inside collections: %s", t)
		}
	}
	if t.Elems[0].Kind == KindDuration {
		switch t.Kind {
		case Set:
			return fmt.Errorf("Durations are not allowed inside sets: %s", t)
		case Map:
			return fmt.Errorf("Durations are not allowed as map keys: %s", t)
		}
	}
	return nil
}

// AppendOption appends the protocol [option] describing t to dst.
func (t Type) AppendOption(dst []byte) []byte {
	return t.appendOption(dst, 0)
}

func (t Type) appendOption(dst []byte, depth int) []byte {
	dst = appendShort(dst, uint16(t.Kind))
	if depth > MaxDepth {
		return dst
	}
	switch t.Kind {
	case Custom:
		dst = appendString(dst, t.Custom)
	case List, Set, Map:
		want := 1
		if t.Kind == Map {
			want = 2
		}
		for i := range want {
			var e Type
			if i < len(t.Elems) {
				e = t.Elems[i]
			} else {
				e = Type{Kind: Blob}
			}
			dst = e.appendOption(dst, depth+1)
		}
	case Tuple:
		dst = appendShort(dst, uint16(len(t.Elems)))
		for _, e := range t.Elems {
			dst = e.appendOption(dst, depth+1)
		}
	case UDT:
		dst = appendString(dst, t.Keyspace)
		dst = appendString(dst, t.Name)
		dst = appendShort(dst, uint16(len(t.Elems)))
		for i, e := range t.Elems {
			var name string
			if i < len(t.Fields) {
				name = t.Fields[i]
			}
			dst = appendString(dst, name)
			dst = e.appendOption(dst, depth+1)
		}
	}
	return dst
}

func appendShort(dst []byte, v uint16) []byte {
	return append(dst, byte(v>>8), byte(v))
}

func appendString(dst []byte, s string) []byte {
	if len(s) > 0xFFFF {
		s = s[:0xFFFF]
	}
	dst = appendShort(dst, uint16(len(s)))
	return append(dst, s...)
}

// ReadOption reads a protocol [option] from the start of b and returns the
// type and the number of bytes it took. Types read from the wire are never
// Frozen: the protocol does not carry frozenness.
func ReadOption(b []byte) (Type, int, error) {
	r := optionReader{b: b}
	t, err := r.read(0)
	if err != nil {
		return Type{}, 0, fmt.Errorf("read type option: %w", err)
	}
	return t, r.pos, nil
}

type optionReader struct {
	b   []byte
	pos int
}

var errShortOption = errors.New("truncated option")

func (r *optionReader) short() (uint16, error) {
	if len(r.b)-r.pos < 2 {
		return 0, errShortOption
	}
	v := uint16(r.b[r.pos])<<8 | uint16(r.b[r.pos+1])
	r.pos += 2
	return v, nil
}

func (r *optionReader) string() (string, error) {
	n, err := r.short()
	if err != nil {
		return "", err
	}
	if len(r.b)-r.pos < int(n) {
		return "", errShortOption
	}
	s := string(r.b[r.pos : r.pos+int(n)])
	r.pos += int(n)
	return s, nil
}

func (r *optionReader) read(depth int) (Type, error) {
	if depth > MaxDepth {
		return Type{}, fmt.Errorf("%w (more than %d levels)", ErrTooDeep, MaxDepth)
	}
	id, err := r.short()
	if err != nil {
		return Type{}, err
	}
	t := Type{Kind: Kind(id)}
	if !t.Kind.valid() {
		return Type{}, fmt.Errorf("%w: option id 0x%04x", ErrUnknownType, id)
	}
	switch t.Kind {
	case Custom:
		if t.Custom, err = r.string(); err != nil {
			return Type{}, err
		}
	case List, Set, Map:
		n := 1
		if t.Kind == Map {
			n = 2
		}
		t.Elems = make([]Type, n)
		for i := range t.Elems {
			if t.Elems[i], err = r.read(depth + 1); err != nil {
				return Type{}, err
			}
		}
	case Tuple:
		n, err := r.short()
		if err != nil {
			return Type{}, err
		}
		// Each option takes at least 2 bytes: do not trust n further.
		if int(n) > (len(r.b)-r.pos)/2 {
			return Type{}, errShortOption
		}
		t.Elems = make([]Type, n)
		for i := range t.Elems {
			if t.Elems[i], err = r.read(depth + 1); err != nil {
				return Type{}, err
			}
		}
	case UDT:
		if t.Keyspace, err = r.string(); err != nil {
			return Type{}, err
		}
		if t.Name, err = r.string(); err != nil {
			return Type{}, err
		}
		n, err := r.short()
		if err != nil {
			return Type{}, err
		}
		// Each field takes at least 4 bytes (name and option).
		if int(n) > (len(r.b)-r.pos)/4 {
			return Type{}, errShortOption
		}
		t.Fields = make([]string, n)
		t.Elems = make([]Type, n)
		for i := range t.Elems {
			if t.Fields[i], err = r.string(); err != nil {
				return Type{}, err
			}
			if t.Elems[i], err = r.read(depth + 1); err != nil {
				return Type{}, err
			}
		}
	}
	return t, nil
}
