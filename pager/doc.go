// Package pager pages through CQL query results for applications:
// services that hand out one page per request, and batch code that walks a
// result set. It makes the safe way the easy way: cursors that cannot be
// replayed against another query or forged, pages fetched in the
// background, keyset cursors that survive server upgrades, and offset
// pages with a bound on their cost. It is independent of the scan engine.
//
//	p, err := pager.New(session, pager.Config{Key: key})
//	page, err := p.Fetch(ctx, "SELECT * FROM ks.events WHERE tenant = ?", []any{t}, cursor, 50)
//	// page.Rows, and page.Next for the client ("" at the end)
//
// # Cursors
//
// A Cursor is an opaque, URL-safe string around the server's paging state
// (Fetch, Rows, OffsetPage) or the last row's primary key (Keyset). It
// carries a fingerprint of what it was made for: the keyspace, the
// statement text and the bound values as serialized for the server (so
// int32(5) and int64(5) bound to an int column are the same query), or the
// keyset table, columns and partition. A cursor given with anything else
// is refused with ErrCursorMismatch, instead of the "unpredictable
// results" a foreign paging state gives. With Config.Key, cursors are
// signed with HMAC-SHA256 and any change to one is refused; PreviousKeys
// allow key rotation. A version byte leads every cursor, so the format can
// evolve. Cursors are not encrypted and do not expire.
//
// The page size is not part of the fingerprint: it may change from page to
// page. 0 means Config.DefaultPageSize, a negative size or one above
// Config.MaxPageSize is an error, and the size is a hint: a server may end
// a page early (on its byte limit, or after a run of deleted rows), even
// with no rows at all and more to follow.
//
// # Patterns
//
// Fetch reads one page per call, for stateless services. Rows (a
// database/sql-style iterator) and All (an iter.Seq2) walk a whole result,
// fetching up to Config.Prefetch pages ahead in a background goroutine while
// the caller works on the current page; cancellation goes through the
// context, and Rows.Stats counts how much fetching overlapped consuming.
// Keyset and KeysetRows page a table, or one partition, by primary key:
// WHERE token(pk) > token(last), then within a partition by clustering
// key, so the cursor holds no server state at all. OffsetPage serves page
// N by reading through the pages before it, as the Java driver's
// OffsetPager does, and refuses page numbers above Config.MaxOffsetPage.
// docs/paging.md says when to use which.
//
// # Consistency
//
// Paging gives no snapshot isolation. Every page is a separate read at the
// configured consistency, so rows written, changed or deleted between two
// pages are seen or not depending on whether they sort before or after the
// position of the cursor; a row that exists throughout is returned exactly
// once by Fetch, Rows and Keyset. Offset page numbers shift when rows are
// inserted or deleted before them.
//
// # Rows
//
// A Row keeps its values as the bytes the server sent and decodes them
// when asked, with gocql's rules: Row.Scan like database/sql, Row.Map into
// a map. Rows are independent of the page or iterator they came from.
//
// The scan engine (package scanner) has a Row of its own, and the two
// differ on purpose. pager serves application code that pages any
// statement and already holds gocql's types: Row.Scan takes the
// destinations gocql's Iter.Scan takes (*string, *time.Time, gocql.UUID,
// a gocql.Unmarshaler), Column carries gocql's TypeInfo, and a Row is an
// independent value that outlives its page, as a page handed to a web
// response must. scanner.Row is a view of one row of the page a whole-table
// scan is reading, valid until the iteration moves on, whose values are
// those its sinks see (sink.Batch.Decode, types of package sink/cqlvalue),
// so that a scan's rows read the same through a Sink and through
// Scanner.All. One model for both would either make every scanned row a
// copy decoded by gocql's reflection, or hand paging applications values
// their gocql code does not know.
package pager
