// Command webpaging is a small net/http service over ringscan's demo table
// (ringscan_demo.events) that shows package pager at work: forward-only
// pages with signed cursors, and numbered offset pages with limits.
//
//	go run ./examples/webpaging                   # embedded cqlsim with demo rows
//	curl 'localhost:8080/events?size=3'
//	curl 'localhost:8080/events?size=3&cursor=<next from the previous answer>'
//	curl 'localhost:8080/events/page?page=2&size=10'
//	curl 'localhost:8080/events?tenant=tenant-3&bucket=1'
//
// Cursors are signed with $WEBPAGING_CURSOR_KEY (at least 16 bytes), so
// that every instance of the service accepts the others' cursors and a
// restart does not invalidate them; without it, a random key is used.
package main
