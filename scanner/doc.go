// Package scanner is ringscan's public API: it reads a whole Cassandra or
// ScyllaDB table, fast, every row exactly once, with bounded memory.
//
//	sc, err := scanner.New(session, scanner.Config{Keyspace: "ks", Table: "events"})
//	stats, err := sc.Run(ctx, sink.NewJSONLines(w))
//	// or
//	for row, err := range sc.All(ctx) { ... }
//	// or, resumable after a crash
//	store, err := scanner.OpenFileStore("events.ckpt")
//	stats, err := sc.Run(ctx, mySink, scanner.WithCheckpoint(store))
//
// # Data flow
//
// Plan reads the token ring from the driver (Session.GetHosts,
// HostInfo.Tokens) and the table and its keyspace's replication from the
// driver's keyspace metadata, then splits the ring into subranges that
// never cross a vnode boundary, so each keeps its replica set (package
// ring). The worker pool reads the subranges concurrently, each page on one
// of its replicas (Query.SetHostID), and hands pages to the sink while the
// next pages are fetched (package worker). Sinks write them (package sink).
//
// # Statements
//
// Every subrange is read with
//
//	SELECT <columns>, token(<pk>) FROM <ks>.<table> WHERE token(<pk>) > ? AND token(<pk>) <= ?
//
// with quoted identifiers and bound values. The token and any primary key
// column not asked for are read as hidden values, so that a subrange can
// resume exactly after any row when a paging state is refused or a
// checkpoint is resumed.
//
// # Checkpoints and resume
//
// With WithCheckpoint(store), Run is resumable: it loads the store's
// checkpoint (ErrNoCheckpoint: a new scan) and either resumes it or refuses
// it, naming every difference, before reading a row. A new scan commits its
// sink and saves a first checkpoint before the first row; every
// Config.CheckpointEvery, and when the scan ends however it ends, it
// commits the sink (if it is a sink.Committer) and then saves the
// checkpoint atomically. A resumed scan first restores the sink to the
// checkpoint's last commit. So a process killed at any instant resumes
// with every row exactly once. FileStore locks its checkpoint for the
// store's lifetime: a second scan of it is refused. docs/checkpoint.md
// gives the ordering argument and the format.
//
// # Consistency
//
// Paging gives no snapshot isolation: each page is an independent read at
// the configured consistency (LOCAL_ONE by default). Rows written during a
// scan may or may not be seen, depending on whether their token lies before
// or after the scan's position in their subrange; rows deleted during the
// scan may still be returned. Rows that exist for the whole scan are read
// exactly once.
package scanner
