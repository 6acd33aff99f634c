// Package ringscanio is an Apache Beam source that reads a whole
// Cassandra or ScyllaDB table with ringscan's scanner, on any Beam
// runner: Google Cloud Dataflow, Apache Flink and Apache Spark through
// their portable runners, and locally the in-process prism runner.
//
//	p, s := beam.NewPipelineWithRoot()
//	rows := ringscanio.Read(s, ringscanio.Config{Hosts: []string{"10.0.0.1"}, Keyspace: "shop", Table: "orders"})
//	// rows is a PCollection of ringscanio.Row: column name to Go value.
//
// docs/beam.md tells how to run it on each runner and when to prefer
// ringscan --shard on Kubernetes.
//
// # Restrictions
//
// Read is a splittable DoFn over one impulse. Its restriction is a list
// of pieces of ringscan's own plan (package ring): token subranges that
// never cross a vnode boundary, so that one replica set holds each, of
// near-equal ring share or, with Config.UseSizeEstimates, of near-equal
// estimated size. A piece also carries a scanner.Cursor: where inside
// the subrange it starts, a paging state or a token and key bound.
// CreateInitialRestriction plans the table on a worker; SplitRestriction
// makes one restriction of each subrange, so that initial splitting is
// the plan; RestrictionSize is the estimated work left (bytes with size
// estimates, else ring share).
//
// # Dynamic splitting and checkpoints
//
// ProcessElement reads a restriction's pieces with a scanner.RangeReader
// and claims every row, with the cursor that resumes right after it,
// before it emits it. When the runner splits a running restriction
// (TrySplit with a fraction of the work left), the tracker cuts the
// piece being read at the token that fraction of the way through what is
// left after the last row claimed, ring.Range.At: the computation
// ringscan's own splitter uses when it hands the second half of a
// running subrange to an idle goroutine. The primary keeps the tokens up
// to the cut, the residual reads the tokens after it with a new
// statement, and the first row past the cut that the primary's read
// meets fails its claim and ends it: no row is read by both. A
// checkpoint (TrySplit(0)) hands on the cursor after the last row
// claimed. Both halves are restrictions like any other.
//
// Splits cut at token boundaries only: unlike ringscan's scanner, the
// source does not split inside one large partition. The partition being
// read stays whole in the primary, read page by page with a cursor after
// each row, so its rows are read exactly once, by one worker.
//
// # Sessions
//
// A worker process opens one driver session per Config and shares it,
// with the plan and a range reader, among all the bundles it runs:
// sessions are kept in a package-level cache keyed by the Config's
// JSON, with reference counts, and closed a minute after their last
// use. It is this package's one piece of mutable global state, against
// ringscan's rule, because nothing else can hold it: Beam rebuilds DoFns
// from their JSON on every worker, so no session can be handed in; it
// makes one DoFn instance per concurrently running bundle, reuses them
// across bundles and drops one whose bundle failed; and portable
// runners, prism among them, need not call Teardown, so a session owned
// by a DoFn would multiply or leak. The range reader of a cached session
// is what makes Config.PerHost (fixed or adaptive, Config.PerHostMode) and
// Config.RowsPerSecond caps per worker process: N workers allow N times
// as much (docs/beam.md).
//
// Beam also wants its DoFns, emitters and coders registered in init,
// before beam.Init, which ringscan's conventions otherwise forbid: the
// SDK has no other way.
//
// # Rows
//
// Read emits Row, a map of column name to the Go value sink.Batch.Decode
// gives, with a coder that keeps every one of those types. ReadJSON
// emits each row as the JSON text ringscan's JSON Lines sink writes.
//
// # Errors and retries
//
// A page that fails is retried as the scanner retries it (backoff, next
// replica, Config.Retries times); when its attempts are exhausted the
// bundle fails with the subrange's *scanner.RangeError, and the runner
// retries the bundle, whose restriction starts again from its own
// cursors. Runners commit a bundle's output only when it succeeds, so a
// retried bundle emits no duplicates downstream; docs/beam.md says where
// side effects can still see a failed attempt's rows.
package ringscanio
