package cqlsim

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// HotClusterings are the clustering types of the hot tables, one table
// each: ringscan_demo.hot_int, hot_timestamp and hot_uuid. int and
// timestamp have midpoints, so a scan can cut the hot partition by value;
// uuid has none, so it is read from both ends.
var HotClusterings = []string{"int", "timestamp", "uuid"}

// HotTable is the name of the hot table clustered by a column of type typ.
func HotTable(typ string) string { return "hot_" + typ }

// hotSchema is the definition of the hot table clustered by typ.
func hotSchema(typ string) string {
	return fmt.Sprintf(`CREATE TABLE %s.%s (k int, c %s, v text, n bigint, PRIMARY KEY (k, c))`, DemoKeyspace, HotTable(typ), typ)
}

// loadHot creates and fills the hot tables (DemoConfig.HotRows): in each,
// partition k = 0 holds HotShare of the rows and the others 1 to 39
// rows, 20 on average; c is spread over its type's values (int: 7 apart,
// timestamp: a second apart, uuid: random version 4).
func (c *Cluster) loadHot(ctx context.Context, cfg DemoConfig) ([]DemoInfo, error) {
	var out []DemoInfo
	for ti, typ := range HotClusterings {
		if err := c.ExecDDL(hotSchema(typ)); err != nil {
			return nil, fmt.Errorf("create hot table: %w", err)
		}
		t, err := c.schema.lookupTable(DemoKeyspace, HotTable(typ))
		if err != nil {
			return nil, err
		}
		rng := rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(0xc0ffee+ti)))
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		hot := int(float64(cfg.HotRows) * cfg.HotShare)
		sizes := []int{hot}
		for left := cfg.HotRows - hot; left > 0; {
			n := min(1+rng.IntN(39), left)
			sizes = append(sizes, n)
			left -= n
		}
		info := DemoInfo{Keyspace: DemoKeyspace, Table: HotTable(typ)}
		st := t.store
		st.lockWrite()
		for pi, n := range sizes {
			if pi%1024 == 0 {
				if err := ctx.Err(); err != nil {
					st.mu.Unlock()
					return nil, err
				}
			}
			key := binary.BigEndian.AppendUint32(nil, uint32(pi))
			p := st.getOrCreatePartition(key, packCells(nil, [][]byte{key}), c.tokenOf(key))
			cks := make([][]byte, n)
			for j := range cks {
				switch typ {
				case "int":
					cks[j] = binary.BigEndian.AppendUint32(nil, uint32(int32(j*7-n*3)))
				case "timestamp":
					cks[j] = binary.BigEndian.AppendUint64(nil, uint64(base.Add(time.Duration(j)*time.Second).UnixMilli()))
				case "uuid":
					u := make([]byte, 16)
					binary.BigEndian.PutUint64(u, rng.Uint64())
					binary.BigEndian.PutUint64(u[8:], rng.Uint64())
					u[6] = u[6]&0x0f | 0x40 // version 4
					u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
					cks[j] = u
				}
			}
			// In clustering order, so that every row is appended.
			slices.SortFunc(cks, func(a, b []byte) int { return compareCell(t.ck[0], a, b) })
			cks = slices.CompactFunc(cks, func(a, b []byte) bool { return string(a) == string(b) })
			for j, ck := range cks {
				reg := map[int][]byte{}
				for i, col := range t.regular {
					switch col.name {
					case "v":
						reg[i] = []byte("row " + strconv.Itoa(j) + " of partition " + strconv.Itoa(pi) + " " + strconv.FormatUint(rng.Uint64(), 36))
					case "n":
						reg[i] = binary.BigEndian.AppendUint64(nil, rng.Uint64())
					}
				}
				t.upsert(p, [][]byte{ck}, reg)
			}
			info.Partitions++
		}
		sum, _ := t.demoSum()
		st.mu.Unlock()
		info.Rows, info.Checksum = int64(sum.Rows), sum.Hash
		if info.Rows != int64(cfg.HotRows) {
			return nil, fmt.Errorf("cqlsim: hot table generator wrote %d rows to %s, expected %d", info.Rows, info.Table, cfg.HotRows)
		}
		out = append(out, info)
	}
	return out, nil
}
