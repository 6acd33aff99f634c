package scanner

// CheckpointFromCursors returns the checkpoint a scan of p would hold with
// the subranges at the given cursors (missing ones not started): for tests
// that resume from chosen positions.
func CheckpointFromCursors(p *Plan, cursors map[int]Cursor) *Checkpoint {
	cp := newCheckpoint(p.identity(), p.topology(), p.planRecord())
	for id, cur := range cursors {
		cp.update(id, cur.c, 0)
	}
	return cp
}
