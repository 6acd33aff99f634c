package cqlparse

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDescribe(t *testing.T) {
	tests := []struct {
		query string
		want  *Describe
	}{
		{`DESCRIBE KEYSPACES`, &Describe{Kind: DescribeKeyspaces}},
		{`desc keyspace`, &Describe{Kind: DescribeKeyspace}},
		{`DESCRIBE KEYSPACE ks WITH INTERNALS`, &Describe{Kind: DescribeKeyspace, Keyspace: "ks", Internals: true}},
		{`DESCRIBE ONLY KEYSPACE "Ks";`, &Describe{Kind: DescribeKeyspace, Keyspace: "Ks", Only: true}},
		{`DESCRIBE TABLES`, &Describe{Kind: DescribeTables}},
		{`DESCRIBE TABLE ks.t`, &Describe{Kind: DescribeTable, Keyspace: "ks", Name: "t"}},
		{`DESCRIBE COLUMNFAMILY t`, &Describe{Kind: DescribeTable, Name: "t"}},
		{`DESCRIBE TYPES`, &Describe{Kind: DescribeTypes}},
		{`DESCRIBE TYPE ks.addr`, &Describe{Kind: DescribeType, Keyspace: "ks", Name: "addr"}},
		{`DESCRIBE FUNCTIONS`, &Describe{Kind: DescribeFunctions}},
		{`DESCRIBE AGGREGATE a`, &Describe{Kind: DescribeAggregate, Name: "a"}},
		{`DESCRIBE INDEX ks.i`, &Describe{Kind: DescribeIndex, Keyspace: "ks", Name: "i"}},
		{`DESCRIBE MATERIALIZED VIEW v`, &Describe{Kind: DescribeView, Name: "v"}},
		{`DESCRIBE SCHEMA`, &Describe{Kind: DescribeSchema}},
		{`DESCRIBE FULL SCHEMA WITH INTERNALS`, &Describe{Kind: DescribeSchema, Full: true, Internals: true}},
		{`DESCRIBE CLUSTER`, &Describe{Kind: DescribeCluster}},
		{`DESCRIBE ks.t`, &Describe{Kind: DescribeGeneric, Keyspace: "ks", Name: "t"}},
		{`DESCRIBE thing`, &Describe{Kind: DescribeGeneric, Name: "thing"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			p, err := Parse(tt.query)
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.Stmt)
		})
	}
	for _, q := range []string{`DESCRIBE`, `DESCRIBE TABLE`, `DESCRIBE KEYSPACE ks WITH`, `DESCRIBE KEYSPACE ks WITH x`, `DESCRIBE TABLE ks.`} {
		_, err := Parse(q)
		var se *SyntaxError
		assert.ErrorAs(t, err, &se, q)
	}
}
