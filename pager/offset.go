package pager

import (
	"context"
	"fmt"
)

// OffsetPage returns page pageNumber (from 0) of stmt: rows
// pageNumber×size .. (pageNumber+1)×size−1 of a full read, as of the time
// of the request, fewer on the last page. It reads through the rows before
// the page and drops them, as the Java driver's OffsetPager does, so its
// cost grows with the page number; page numbers above Config.MaxOffsetPage
// are refused with ErrPageLimit. pageSize 0 means Config.DefaultPageSize.
//
// The returned Page.Next is a cursor for Fetch, Rows and All with the same
// statement and values, right after the page: a client can switch to
// forward paging there and stop paying for the skip.
func (p *Pager) OffsetPage(ctx context.Context, stmt string, values []any, pageNumber, pageSize int) (Page, error) {
	size, err := p.pageSize(pageSize)
	if err != nil {
		return Page{}, err
	}
	switch {
	case pageNumber < 0:
		return Page{}, fmt.Errorf("%w: page %d: pages are numbered from 0", ErrPageLimit, pageNumber)
	case pageNumber > p.cfg.MaxOffsetPage:
		return Page{}, fmt.Errorf("%w: page %d is beyond the limit of %d: an offset page reads every row before it (here %d rows); follow the cursors (Page.Next) to go further",
			ErrPageLimit, pageNumber, p.cfg.MaxOffsetPage, pageNumber*size)
	}
	fp, err := p.statementFingerprint(ctx, stmt, values)
	if err != nil {
		return Page{}, err
	}
	skip, end := pageNumber*size, (pageNumber+1)*size
	var (
		page  Page
		state []byte
		seen  int
	)
	for {
		// Ask for exactly the rows up to the page's end, so that the last
		// paging state is right after the page; cap each request.
		res, err := p.request(ctx, stmt, values, state, min(end-seen, p.cfg.MaxPageSize))
		if err != nil {
			return Page{}, err
		}
		page.Columns = res.cols
		for _, row := range res.rows {
			if seen >= skip {
				page.Rows = append(page.Rows, row)
			}
			seen++
		}
		state = res.next
		if seen >= end || len(state) == 0 {
			break
		}
	}
	page.Next = p.stateCursor(fp, state)
	return page, nil
}
