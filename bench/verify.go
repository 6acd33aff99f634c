package bench

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"
)

// collector keeps the hash of every row read. It costs 8 bytes per row,
// counted in the child's peak RSS: 8 MB per million rows.
type collector struct {
	hashes []uint64
	rows   int64 // rows counted without hashing (modes other than Verify)
}

func (c *collector) add(h uint64) { c.hashes = append(c.hashes, h) }

func (c *collector) merge(o *collector) {
	c.hashes = append(c.hashes, o.hashes...)
	c.rows += o.rows
}

// finish sorts the hashes and fills in m's row counts, sums and digest.
func (c *collector) finish(m *Measurement) {
	h := c.hashes
	slices.Sort(h)
	d := fnv.New64a()
	var buf [8]byte
	m.Rows, m.Distinct, m.Sum, m.DistinctSum = 0, 0, 0, 0
	for i, x := range h {
		m.Rows++
		m.Sum += x
		if i > 0 && h[i-1] == x {
			continue
		}
		m.Distinct++
		m.DistinctSum += x
		binary.BigEndian.PutUint64(buf[:], x)
		_, _ = d.Write(buf[:])
	}
	m.Digest = d.Sum64()
	m.Hashed = true
}

// Expected is what a scan must read: the table's live rows.
type Expected struct {
	// Rows and Checksum are the row count and rowsum checksum of the
	// table, as cqlsim's demo loader reports them.
	Rows     int64
	Checksum uint64
}

// Check compares a measurement with what the table holds. lost counts the
// table's rows not read, duplicated the rows read more than once (each
// extra copy counts). problems says what is wrong, empty when the scan read
// exactly the table's rows.
func Check(want Expected, m Measurement) (lost, duplicated int64, problems []string) {
	duplicated = m.Rows - m.Distinct
	if duplicated > 0 {
		problems = append(problems, fmt.Sprintf("%d rows read more than once", duplicated))
	}
	switch {
	case m.Distinct < want.Rows:
		lost = want.Rows - m.Distinct
		problems = append(problems, fmt.Sprintf("%d of %d rows lost", lost, want.Rows))
	case m.Distinct > want.Rows:
		problems = append(problems, fmt.Sprintf("%d distinct rows read, the table has %d", m.Distinct, want.Rows))
	case m.DistinctSum != want.Checksum:
		// Same count, other rows: some rows were lost and as many unknown
		// ones read; how many is not known.
		problems = append(problems, fmt.Sprintf("the rows read differ from the table's (checksum %016x, want %016x)", m.DistinctSum, want.Checksum))
	}
	return lost, duplicated, problems
}
