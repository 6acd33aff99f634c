package worker

// Limits are the per-host caps on page requests in flight, the cap on the
// rows read per second and the mean row size that bounds pages in bytes
// (Config.PageBytes), shared by several Runs. A Run has its own
// caps (Config.PerHost, PerHostMode, MinPerHost, RowsPerSecond), which
// hold for that Run alone; a program that reads many subranges with a Run
// each, as scanner.RangeReader does for a Beam source, gives all its Runs
// one Limits (Config.Limits) so that the caps hold for the process, and
// a Run's first pages are bounded by the rows the others read. The
// Runs then take their requests' slots from the same hosts' limits, fixed
// or adaptive (an adaptive limit then learns from every Run's pages), and
// each Run prefers, among a subrange's replicas, the one with the fewest
// requests in flight from the whole process. Limits are safe for
// concurrent use.
type Limits struct {
	hosts   *hostLimits
	rate    *throttle
	sizes   *pageBytes
	perHost int
}

// NewLimits returns the limits a Run with cfg would make for itself over
// the hosts with the given IDs: cfg's PerHost (0: worked out over those
// hosts, DefaultPerHost), PerHostMode, MinPerHost, Concurrency (the
// adaptive limit's ceiling), RowsPerSecond, PageBytes and RowBytes; its
// other fields do not matter. A host not among hostIDs gets a limit of its own when first
// used. hostLimit, if not nil, is told each host's limit as
// Hooks.HostLimit is.
func NewLimits(cfg Config, hostIDs []string, hostLimit func(host string, limit int, reason LimitReason)) (*Limits, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ids := make(map[string]bool, len(hostIDs))
	for _, id := range hostIDs {
		ids[id] = true
	}
	cfg = cfg.EnsureDefaults()
	cfg.PerHost = cfg.perHost(len(ids))
	return &Limits{hosts: newHostLimits(ids, cfg, hostLimit), rate: newThrottle(cfg.RowsPerSecond),
		sizes: newPageBytes(cfg.PageBytes, cfg.RowBytes), perHost: cfg.PerHost}, nil
}

// PerHost is the per-host cap in effect: Config.PerHost or its default;
// with PerHostAdaptive, the adaptive limit's ceiling.
func (l *Limits) PerHost() int { return l.perHost }

// CursorAfter returns the cursor that reads a subrange from just after
// the row at last, with no paging state: the statement starts again at
// last's token and skips the rows up to last, as after a refused paging
// state. A reader that stops inside a page (a Beam source checkpointing
// after the last row it claimed) resumes from it. A nil last reads the
// subrange from its start.
func CursorAfter(last *Position) Cursor { return Cursor{Last: last}.restartAfterLast() }
