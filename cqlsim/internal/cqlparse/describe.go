package cqlparse

// DescribeKind is what a DESCRIBE statement describes.
type DescribeKind int

// The DESCRIBE forms of Cassandra 4 (DescribeStatement), as its grammar
// names them.
const (
	DescribeKeyspaces  DescribeKind = iota // DESCRIBE KEYSPACES
	DescribeKeyspace                       // DESCRIBE [ONLY] KEYSPACE [ks]
	DescribeTables                         // DESCRIBE TABLES
	DescribeTable                          // DESCRIBE TABLE [ks.]t
	DescribeTypes                          // DESCRIBE TYPES
	DescribeType                           // DESCRIBE TYPE [ks.]t
	DescribeFunctions                      // DESCRIBE FUNCTIONS
	DescribeFunction                       // DESCRIBE FUNCTION [ks.]f
	DescribeAggregates                     // DESCRIBE AGGREGATES
	DescribeAggregate                      // DESCRIBE AGGREGATE [ks.]a
	DescribeIndex                          // DESCRIBE INDEX [ks.]i
	DescribeView                           // DESCRIBE MATERIALIZED VIEW [ks.]v
	DescribeSchema                         // DESCRIBE [FULL] SCHEMA
	DescribeCluster                        // DESCRIBE CLUSTER
	DescribeGeneric                        // DESCRIBE [ks.]name: a keyspace, table, index or view
)

// Describe is a DESCRIBE (or DESC) statement.
type Describe struct {
	Kind DescribeKind
	// Keyspace is the keyspace named in the statement, "" when it is not
	// (the session keyspace is then used, where one is needed).
	Keyspace string
	// Name is the element named, "" for listings and a bare KEYSPACE.
	Name string
	// Only is DESCRIBE ONLY KEYSPACE: the keyspace without its tables.
	Only bool
	// Full is DESCRIBE FULL SCHEMA: system keyspaces included.
	Full bool
	// Internals is WITH INTERNALS.
	Internals bool
}

func (*Describe) stmt() {}

// describeStmt parses Cassandra 4's describeStatement rule.
func (p *parser) describeStmt() (Statement, error) {
	p.next() // DESCRIBE or DESC
	d := &Describe{}
	// element parses [ks '.'] name into d.
	element := func() error {
		tn, err := p.tableName()
		if err != nil {
			return err
		}
		d.Keyspace, d.Name = tn.Keyspace, tn.Name
		return nil
	}
	t := p.peek()
	var err error
	switch {
	case isKw(t, "cluster"):
		p.next()
		d.Kind = DescribeCluster
	case isKw(t, "full") && isKw(p.peekAt(1), "schema"):
		p.i += 2
		d.Kind, d.Full = DescribeSchema, true
	case isKw(t, "schema"):
		p.next()
		d.Kind = DescribeSchema
	case isKw(t, "keyspaces"):
		p.next()
		d.Kind = DescribeKeyspaces
	case isKw(t, "only") && isKw(p.peekAt(1), "keyspace"), isKw(t, "keyspace"):
		if isKw(t, "only") {
			p.next()
			d.Only = true
		}
		p.next()
		d.Kind = DescribeKeyspace
		if isIdentToken(p.peek()) {
			d.Keyspace, err = p.ident()
		}
	case isKw(t, "tables"):
		p.next()
		d.Kind = DescribeTables
	case isKw(t, "table"), isKw(t, "columnfamily"):
		p.next()
		d.Kind, err = DescribeTable, element()
	case isKw(t, "types"):
		p.next()
		d.Kind = DescribeTypes
	case isKw(t, "type"):
		p.next()
		d.Kind, err = DescribeType, element()
	case isKw(t, "functions"):
		p.next()
		d.Kind = DescribeFunctions
	case isKw(t, "function"):
		p.next()
		d.Kind, err = DescribeFunction, element()
	case isKw(t, "aggregates"):
		p.next()
		d.Kind = DescribeAggregates
	case isKw(t, "aggregate"):
		p.next()
		d.Kind, err = DescribeAggregate, element()
	case isKw(t, "index"):
		p.next()
		d.Kind, err = DescribeIndex, element()
	case isKw(t, "materialized") && isKw(p.peekAt(1), "view"):
		p.i += 2
		d.Kind, err = DescribeView, element()
	case isIdentToken(t):
		d.Kind, err = DescribeGeneric, element()
	default:
		return nil, p.errNoViable()
	}
	if err != nil {
		return nil, err
	}
	if p.acceptKw("with") {
		if err := p.expectKw("internals"); err != nil {
			return nil, err
		}
		d.Internals = true
	}
	return d, nil
}
