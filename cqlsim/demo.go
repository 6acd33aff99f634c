package cqlsim

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"strconv"
	"time"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/internal/rowsum"
)

// Demo keyspace and table names.
const (
	DemoKeyspace = "ringscan_demo"
	DemoTable    = "events"
)

// DemoSchema is the demo table's definition: a composite partition key,
// two clustering columns (one DESC), and eleven column types including
// collections.
const DemoSchema = `CREATE TABLE ringscan_demo.events (
    tenant text,
    bucket int,
    ts timestamp,
    seq int,
    event_id uuid,
    kind text,
    payload blob,
    score double,
    amount bigint,
    ok boolean,
    source inet,
    tags set<text>,
    attrs map<text, text>,
    PRIMARY KEY ((tenant, bucket), ts, seq)
) WITH CLUSTERING ORDER BY (ts DESC, seq ASC)`

// DemoProfilesTable is the second demo table, with static columns, a
// user-defined type (static, and nested in a list) and a frozen list; some
// of its partitions hold static values only.
const DemoProfilesTable = "profiles"

// DemoAddressType is the demo keyspace's user-defined type.
const DemoAddressType = `CREATE TYPE ringscan_demo.address (street text, city text, zip int, tags frozen<set<text>>)`

// DemoProfilesSchema is the second demo table's definition.
const DemoProfilesSchema = `CREATE TABLE ringscan_demo.profiles (
    account int,
    seen timestamp,
    owner text static,
    home frozen<address> static,
    device text,
    visits frozen<list<int>>,
    places list<frozen<address>>,
    PRIMARY KEY (account, seen)
) WITH CLUSTERING ORDER BY (seen DESC)`

// DemoConfig shapes the demo data.
type DemoConfig struct {
	// Rows is the number of live rows. Required (at least 0).
	Rows int
	// Seed makes the data reproducible. Default: the cluster's seed.
	Seed int64
	// MeanPartitionRows is the mean number of rows of the ordinary
	// partitions, whose sizes are uniform in [1, 2*mean-1]. Default 20.
	MeanPartitionRows int
	// LargePartitionRows is the size of the one very large partition.
	// Default Rows/10, at most 100000; -1 means none.
	LargePartitionRows int
	// DeletedRows is how many extra rows are written and then deleted,
	// leaving tombstones: a long run of them inside one partition (so a scan
	// meets empty pages) plus scattered ones and one deleted partition.
	// Default Rows/10; -1 means none.
	DeletedRows int
	// ProfileRows is the number of rows a scan of ringscan_demo.profiles
	// returns, a partition with static values only counting as one.
	// Default Rows/20; -1 means no profiles table.
	ProfileRows int
	// HotRows, when positive, loads the hot tables ringscan_demo.hot_int,
	// hot_timestamp and hot_uuid (HotClusterings), HotRows rows each, with
	// HotShare of them in one partition (k = 0): a skew that only the
	// splitting of partitions by clustering range spreads. Default 0: no
	// hot tables; HotShare default 0.25.
	HotRows  int
	HotShare float64
}

// DemoInfo describes loaded demo data, so that a scan can be verified.
type DemoInfo struct {
	Keyspace, Table string
	// Rows is the number of live rows; Partitions the partitions holding them.
	Rows, Partitions int64
	// Deleted is the number of deleted rows (tombstones) stored.
	Deleted int64
	// Checksum is rowsum's order-independent checksum of the live rows, over
	// their column values in SELECT * order.
	Checksum uint64
	// StaticOnly is the number of partitions with static values and no
	// row: a scan returns each as one row with null clustering values.
	StaticOnly int64
	// Others describe the other demo tables LoadDemo loaded
	// (ringscan_demo.profiles), in the same terms.
	Others []DemoInfo
}

func (d DemoConfig) withDefaults(seed int64) DemoConfig {
	if d.Seed == 0 {
		d.Seed = seed
	}
	if d.MeanPartitionRows == 0 {
		d.MeanPartitionRows = 20
	}
	switch {
	case d.LargePartitionRows == 0:
		d.LargePartitionRows = min(d.Rows/10, 100000)
	case d.LargePartitionRows < 0:
		d.LargePartitionRows = 0
	}
	switch {
	case d.DeletedRows == 0:
		d.DeletedRows = d.Rows / 10
	case d.DeletedRows < 0:
		d.DeletedRows = 0
	}
	if d.HotShare == 0 {
		d.HotShare = 0.25
	}
	switch {
	case d.ProfileRows == 0:
		d.ProfileRows = d.Rows / 20
	case d.ProfileRows < 0:
		d.ProfileRows = 0
	}
	return d
}

// Validate reports every problem of d at once.
func (d DemoConfig) Validate() error {
	var errs []error
	if d.Rows < 0 {
		errs = append(errs, fmt.Errorf("demo Rows is %d; it must be 0 or more", d.Rows))
	}
	if d.MeanPartitionRows < 0 {
		errs = append(errs, fmt.Errorf("demo MeanPartitionRows is %d; it must be 1 or more", d.MeanPartitionRows))
	}
	if d.LargePartitionRows < -1 || d.LargePartitionRows > max(d.Rows, 0) {
		errs = append(errs, fmt.Errorf("demo LargePartitionRows is %d; it must be -1 (none) or 0..Rows (%d)", d.LargePartitionRows, d.Rows))
	}
	if d.DeletedRows < -1 {
		errs = append(errs, fmt.Errorf("demo DeletedRows is %d; it must be -1 (none) or more", d.DeletedRows))
	}
	if d.ProfileRows < -1 {
		errs = append(errs, fmt.Errorf("demo ProfileRows is %d; it must be -1 (none) or more", d.ProfileRows))
	}
	if d.HotRows < 0 {
		errs = append(errs, fmt.Errorf("demo HotRows is %d; it must be 0 (no hot tables) or more", d.HotRows))
	}
	if d.HotShare < 0 || d.HotShare > 1 || d.HotShare != d.HotShare {
		errs = append(errs, fmt.Errorf("demo HotShare is %v; it must be between 0 (default 0.25) and 1", d.HotShare))
	}
	if len(errs) == 0 {
		return nil
	}
	return joinErrs(errs)
}

// joinErrs is one error wrapping ErrInvalidConfig, once, with every
// problem of errs.
func joinErrs(errs []error) error {
	msg := ""
	for i, e := range errs {
		if i > 0 {
			msg += "; "
		}
		msg += e.Error()
	}
	return fmt.Errorf("%w: %s", ErrInvalidConfig, msg)
}

// ExecDDL runs a CREATE/DROP statement directly, as a client would with
// QUERY; it is how Go code sets up schema without a driver.
func (c *Cluster) ExecDDL(query string) error {
	st, err := c.compile("", query)
	if err != nil {
		return err
	}
	_, err = c.runDDL("", st.parsed.Stmt)
	return err
}

// LoadDemo creates ringscan_demo.events (replication factor 3, or the node
// count if smaller) and fills it with exactly cfg.Rows live rows plus
// deleted ones, and ringscan_demo.profiles with cfg.ProfileRows rows,
// deterministically by seed. It writes straight into the store, so a
// million rows load in seconds. The info it returns is the events table's;
// Others holds the profiles table's.
func (c *Cluster) LoadDemo(ctx context.Context, cfg DemoConfig) (DemoInfo, error) {
	if err := cfg.Validate(); err != nil {
		return DemoInfo{}, err
	}
	cfg = cfg.withDefaults(c.cfg.Seed)
	rf := min(3, len(c.nodes))
	if err := c.ExecDDL(fmt.Sprintf(`CREATE KEYSPACE IF NOT EXISTS %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': %d}`, DemoKeyspace, rf)); err != nil {
		return DemoInfo{}, fmt.Errorf("create demo keyspace: %w", err)
	}
	if err := c.ExecDDL(DemoSchema); err != nil {
		return DemoInfo{}, fmt.Errorf("create demo table: %w", err)
	}
	t, err := c.schema.lookupTable(DemoKeyspace, DemoTable)
	if err != nil {
		return DemoInfo{}, err
	}
	g := &demoGen{c: c, t: t, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0xdead)), base: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), types: map[string]cqltype.Type{}}
	info := DemoInfo{Keyspace: DemoKeyspace, Table: DemoTable}

	// Partition sizes: the large one first, then ordinary ones.
	var sizes []int
	left := cfg.Rows
	if cfg.LargePartitionRows > 0 {
		sizes = append(sizes, cfg.LargePartitionRows)
		left -= cfg.LargePartitionRows
	}
	for left > 0 {
		n := 1 + g.rng.IntN(2*cfg.MeanPartitionRows-1)
		n = min(n, left)
		sizes = append(sizes, n)
		left -= n
	}
	deleted := cfg.DeletedRows
	run := deleted / 2 // a long run of tombstones inside one partition
	st := t.store
	st.lockWrite()
	defer st.mu.Unlock()
	for pi, n := range sizes {
		if pi%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return DemoInfo{}, err
			}
		}
		p := g.partition(pi)
		extra := 0
		if pi == len(sizes)/2 && run > 0 {
			extra = run
			deleted -= run
		}
		// Newest first: ts is DESC, so descending j appends in clustering
		// order instead of shifting the partition on every insert.
		for j := n + extra - 1; j >= 0; j-- {
			ck, reg := g.row(pi, j)
			t.upsert(p, ck, reg)
		}
		if extra > 0 {
			// Delete a contiguous run in the middle of the partition.
			lo := n / 2
			for j := lo; j < lo+extra; j++ {
				g.deleteRow(p, j)
			}
		}
		info.Partitions++
	}
	// Scattered deleted rows: extra rows in ordinary partitions, deleted.
	if deleted > 0 && len(sizes) > 1 {
		for k := 0; k < deleted-min(deleted, 50); k++ {
			pi := 1 + g.rng.IntN(len(sizes)-1)
			p := g.partition(pi)
			j := 1_000_000 + k
			ck, reg := g.row(pi, j)
			t.upsert(p, ck, reg)
			g.deleteRow(p, j)
		}
		deleted = min(deleted, 50)
	}
	// One wholly deleted partition.
	if deleted > 0 {
		p := g.partition(len(sizes) + 1)
		for j := deleted - 1; j >= 0; j-- {
			ck, reg := g.row(len(sizes)+1, j)
			t.upsert(p, ck, reg)
		}
		for i := range p.rows {
			t.tombstone(&p.rows[i], st.baseTS)
		}
	}
	// Count and checksum what is live, as a scan will see it.
	sum, dead := t.demoSum()
	info.Deleted = dead
	info.Rows = int64(sum.Rows)
	info.Checksum = sum.Hash
	if info.Rows != int64(cfg.Rows) {
		return DemoInfo{}, fmt.Errorf("cqlsim: demo generator wrote %d live rows, expected %d", info.Rows, cfg.Rows)
	}
	if cfg.ProfileRows > 0 {
		st.mu.Unlock()
		profiles, err := c.loadProfiles(ctx, cfg)
		st.lockWrite() // for the deferred Unlock
		if err != nil {
			return DemoInfo{}, err
		}
		info.Others = append(info.Others, profiles)
	}
	if cfg.HotRows > 0 {
		st.mu.Unlock()
		hot, err := c.loadHot(ctx, cfg)
		st.lockWrite() // for the deferred Unlock
		if err != nil {
			return DemoInfo{}, err
		}
		info.Others = append(info.Others, hot...)
	}
	return info, nil
}

// demoSum is the rowsum checksum of t's live rows, as SELECT * returns
// them (a table without static columns), and the count of its deleted
// rows. The store's lock is held.
func (t *table) demoSum() (sum rowsum.Sum, deleted int64) {
	t.store.tree.Ascend(func(p *partition) bool {
		pk := unpackCells(p.pk, len(t.pk))
		for _, r := range p.rows {
			if r.dead {
				deleted++
				continue
			}
			sum.Add(append(append([][]byte{}, pk...), unpackCells(r.cells, len(t.ck)+len(t.regular))...))
		}
		return true
	})
	return sum, deleted
}

// loadProfiles creates and fills ringscan_demo.profiles: partitions of 1
// to 6 rows, most with static values (the owner, and a home address most
// of the time), some without, and one in eight with static values only.
func (c *Cluster) loadProfiles(ctx context.Context, cfg DemoConfig) (DemoInfo, error) {
	if err := c.ExecDDL(DemoAddressType); err != nil {
		return DemoInfo{}, fmt.Errorf("create demo type: %w", err)
	}
	if err := c.ExecDDL(DemoProfilesSchema); err != nil {
		return DemoInfo{}, fmt.Errorf("create demo table: %w", err)
	}
	t, err := c.schema.lookupTable(DemoKeyspace, DemoProfilesTable)
	if err != nil {
		return DemoInfo{}, err
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0xbeef))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	enc := func(col string, v any) []byte {
		b, err := cqltype.Encode(t.column(col).typ, v)
		if err != nil {
			panic(fmt.Sprintf("cqlsim demo: encode %s: %v", col, err)) // a bug in this file
		}
		return b
	}
	address := func() map[string]any {
		a := map[string]any{"street": strconv.Itoa(1+rng.IntN(200)) + " " + demoStreets[rng.IntN(len(demoStreets))]}
		if rng.IntN(5) != 0 {
			a["city"] = demoCities[rng.IntN(len(demoCities))]
		}
		if rng.IntN(4) != 0 {
			a["zip"] = int32(10000 + rng.IntN(90000))
		}
		if n := rng.IntN(3); n > 0 {
			tags := make([]string, n)
			for i := range tags {
				tags[i] = demoKinds[rng.IntN(len(demoKinds))]
			}
			a["tags"] = tags
		}
		return a
	}
	info := DemoInfo{Keyspace: DemoKeyspace, Table: DemoProfilesTable}
	st := t.store
	st.lockWrite()
	defer st.mu.Unlock()
	left := cfg.ProfileRows
	for pi := 0; left > 0; pi++ {
		if pi%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return DemoInfo{}, err
			}
		}
		key := binary.BigEndian.AppendUint32(nil, uint32(pi))
		p := st.getOrCreatePartition(key, packCells(nil, [][]byte{key}), c.tokenOf(key))
		n := min(1+rng.IntN(6), left)
		kind := rng.IntN(8)
		if kind != 1 { // static values
			statics := make([][]byte, len(t.static))
			for _, col := range t.static {
				switch {
				case col.name == "owner":
					statics[col.cell] = []byte("owner-" + strconv.Itoa(pi))
				case col.name == "home" && rng.IntN(4) != 0:
					statics[col.cell] = enc("home", address())
				}
			}
			p.static = &row{cells: packCells(nil, statics)}
		}
		if kind == 0 { // static values only
			n = 1
			info.StaticOnly++
		} else {
			for j := n - 1; j >= 0; j-- { // seen DESC: oldest last
				ck := [][]byte{binary.BigEndian.AppendUint64(nil, uint64(base.Add(time.Duration(pi*7+j)*time.Minute).UnixMilli()))}
				reg := map[int][]byte{}
				for i, col := range t.regular {
					switch col.name {
					case "device":
						if rng.IntN(6) != 0 {
							reg[i] = []byte(demoDevices[rng.IntN(len(demoDevices))])
						}
					case "visits":
						visits := make([]int32, rng.IntN(4))
						for k := range visits {
							visits[k] = int32(rng.IntN(1000))
						}
						reg[i] = enc("visits", visits)
					case "places":
						if m := rng.IntN(3); m > 0 {
							places := make([]any, m)
							for k := range places {
								places[k] = address()
							}
							reg[i] = enc("places", places)
						}
					}
				}
				t.upsert(p, ck, reg)
			}
		}
		left -= n
		info.Partitions++
	}
	var sum rowsum.Sum
	st.tree.Ascend(func(p *partition) bool {
		statics, _ := t.staticView(p, 0)
		var rows [][]byte
		if len(p.rows) == 0 {
			rows = append(rows, t.starRow(nil, p, nil, statics))
		}
		for _, r := range p.rows {
			rows = append(rows, t.starRow(nil, p, r.cells, statics))
		}
		for _, r := range rows {
			sum.Add(unpackCells(r, len(t.columns)))
		}
		return true
	})
	info.Rows, info.Checksum = int64(sum.Rows), sum.Hash
	if info.Rows != int64(cfg.ProfileRows) {
		return DemoInfo{}, fmt.Errorf("cqlsim: demo generator wrote %d profile rows, expected %d", info.Rows, cfg.ProfileRows)
	}
	return info, nil
}

var (
	demoStreets = []string{"Main St", "Oak Ave", "Elm Rd", "Rue de la Paix", "Hauptstraße", "Calle Mayor"}
	demoCities  = []string{"Lyon", "Porto", "Kyoto", "Oslo", "Austin", "Accra"}
	demoDevices = []string{"ios", "android", "web", "desktop"}
)

// demoGen produces deterministic demo rows.
type demoGen struct {
	c     *Cluster
	t     *table
	rng   *rand.Rand
	base  time.Time
	types map[string]cqltype.Type
}

var demoKinds = []string{"click", "view", "purchase", "signup", "logout", "search", "share", "error"}

// partition returns (creating) partition number pi.
func (g *demoGen) partition(pi int) *partition {
	tenant := []byte("tenant-" + strconv.Itoa(pi%97))
	bucket := binary.BigEndian.AppendUint32(nil, uint32(pi))
	cells := [][]byte{tenant, bucket}
	key, tk := g.c.partitionKey(cells)
	return g.t.store.getOrCreatePartition(key, packCells(nil, cells), tk)
}

// ckOf is the clustering of row j: ts DESC (newer first), seq.
func (g *demoGen) ckOf(j int) [][]byte {
	ts := g.base.Add(time.Duration(j) * time.Second).UnixMilli()
	return [][]byte{binary.BigEndian.AppendUint64(nil, uint64(ts)), binary.BigEndian.AppendUint32(nil, uint32(j))}
}

// row builds row j of partition pi: its clustering and regular cells
// (regular columns in name order: amount, attrs, event_id, kind, ok,
// payload, score, source, tags).
func (g *demoGen) row(pi, j int) ([][]byte, map[int][]byte) {
	r := g.rng
	enc := func(typ string, v any) []byte {
		t, ok := g.types[typ]
		if !ok {
			t, _ = cqltype.Parse(typ)
			g.types[typ] = t
		}
		b, err := cqltype.Encode(t, v)
		if err != nil {
			panic(fmt.Sprintf("cqlsim demo: encode %s: %v", typ, err)) // a bug in this file
		}
		return b
	}
	var id cqltype.UUID
	for i := range id {
		id[i] = byte(r.Uint32())
	}
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	payload := make([]byte, 8+r.IntN(56))
	for i := range payload {
		payload[i] = byte(r.Uint32())
	}
	vals := map[string][]byte{
		"amount":   binary.BigEndian.AppendUint64(nil, uint64(r.Int64N(1_000_000_000)-500_000_000)),
		"event_id": id[:],
		"kind":     []byte(demoKinds[r.IntN(len(demoKinds))]),
		"ok":       {boolByte(r.IntN(4) != 0)},
		"payload":  payload,
	}
	if r.IntN(10) != 0 {
		vals["score"] = binary.BigEndian.AppendUint64(nil, math.Float64bits(math.Round(r.Float64()*1e6)/1e3))
	}
	if r.IntN(20) != 0 {
		vals["source"] = net.IPv4(10, byte(r.IntN(256)), byte(r.IntN(256)), byte(1+r.IntN(254))).To4()
	}
	if n := r.IntN(4); n > 0 {
		tags := make([]string, n)
		for i := range tags {
			tags[i] = "t" + strconv.Itoa(r.IntN(50))
		}
		vals["tags"] = enc("set<text>", tags)
	}
	if n := r.IntN(3); n > 0 {
		attrs := map[string]string{}
		for i := 0; i < n; i++ {
			attrs["k"+strconv.Itoa(r.IntN(10))] = "v" + strconv.Itoa(r.IntN(1000))
		}
		vals["attrs"] = enc("map<text, text>", attrs)
	}
	reg := map[int][]byte{}
	for i, col := range g.t.regular {
		if v, ok := vals[col.name]; ok {
			reg[i] = v
		}
	}
	return g.ckOf(j), reg
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// deleteRow turns row j of p into a tombstone.
func (g *demoGen) deleteRow(p *partition, j int) {
	i, found := g.t.findRow(p, packCells(nil, g.ckOf(j)))
	if found {
		g.t.tombstone(&p.rows[i], g.t.store.baseTS)
	}
}
