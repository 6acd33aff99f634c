package cqlsim

import "time"

// now is the cluster's current time (Config.Clock).
func (c *Cluster) now() time.Time { return c.cfg.Clock() }

// nowSec is the current time in seconds since the epoch, the unit of TTL
// expiry (Cassandra's nowInSec).
func (c *Cluster) nowSec() int64 { return c.now().Unix() }

// timestamp hands out a server-side write timestamp in microseconds: the
// clock's, or one more than the last one, so that two writes never share a
// default timestamp even when the clock stands still (Cassandra's
// ClientState.getTimestamp).
func (c *Cluster) timestamp() int64 {
	now := c.now().UnixMicro()
	for {
		last := c.lastTS.Load()
		ts := max(now, last+1)
		if c.lastTS.CompareAndSwap(last, ts) {
			return ts
		}
	}
}
