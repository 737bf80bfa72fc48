package publish

import (
	"fmt"
	"time"

	"github.com/dustin/go-humanize"
)

// clock measures the stages.
type clock struct {
	now         func() time.Time
	start, last time.Time
}

func newClock(now func() time.Time) *clock {
	t := now()
	return &clock{now: now, start: t, last: t}
}

// lap returns the milliseconds since the previous lap.
func (c *clock) lap() int64 {
	t := c.now()
	d := t.Sub(c.last)
	c.last = t
	return millis(d)
}

func (t *Timings) finish(c *clock) {
	end := c.now()
	t.Started, t.Finished = c.start.UTC(), end.UTC()
	t.TotalMS = millis(end.Sub(c.start))
}

// lastPublished is the newest published Record for name ("" for runs
// without a name).
func lastPublished(rs Recorder, name string) *Record {
	list, err := rs.List()
	if err != nil {
		return nil
	}
	for i := len(list) - 1; i >= 0; i-- {
		r := list[i]
		if r.Published() && recordName(r) == name {
			return r
		}
	}
	return nil
}

func recordName(r *Record) string {
	if r.ENS == nil {
		return ""
	}
	return r.ENS.Name
}

// byteCount formats n as B, KiB, MiB, ...
func byteCount(n int64) string { return humanize.IBytes(uint64(max(n, 0))) }

func statusLine(r Receipt) string {
	switch {
	case r.Status != StatusPinned && r.Error != "":
		return fmt.Sprintf("%s (%s): FAILED: %s", r.Holder, r.Type, r.Error)
	case r.Status != StatusPinned:
		return fmt.Sprintf("%s (%s): %s", r.Holder, r.Type, r.Status)
	case r.Skipped:
		return fmt.Sprintf("%s (%s): already held, nothing sent", r.Holder, r.Type)
	case r.Incremental != nil && !r.Incremental.Fallback:
		return fmt.Sprintf("%s (%s): stored, %s sent (only the blocks new since %s)", r.Holder, r.Type, byteCount(r.BytesSent), r.Incremental.Base)
	}
	return fmt.Sprintf("%s (%s): stored, %s sent", r.Holder, r.Type, byteCount(r.BytesSent))
}

// reachLine describes a Status answer (dry runs, rollbacks).
func reachLine(r Receipt) string {
	switch r.Status {
	case StatusPinned:
		return fmt.Sprintf("%s (%s): reachable, holds %s", r.Holder, r.Type, r.CID)
	case StatusFailed:
		return fmt.Sprintf("%s (%s): NOT reachable: %s", r.Holder, r.Type, r.Error)
	}
	return fmt.Sprintf("%s (%s): reachable, does not hold %s (status %s)", r.Holder, r.Type, r.CID, r.Status)
}

func verifyLine(v Verification) string {
	who := v.Source
	if v.Holder != "" {
		who = v.Holder + " via " + v.Source
	}
	if v.OK {
		return fmt.Sprintf("%s: verified %d blocks (%s)", who, v.Blocks, byteCount(v.Bytes))
	}
	return fmt.Sprintf("%s: NOT verified: %s", who, v.Error)
}

func nameLine(e *ENSResult) string {
	switch {
	case e == nil:
		return ""
	case e.Tx != "":
		return fmt.Sprintf("%s now points at %s (transaction %s)", e.Name, e.New, e.Tx)
	case e.SafeTxHash != "":
		return fmt.Sprintf("%s: proposed to Safe %s (safeTxHash %s)", e.Name, e.Safe, e.SafeTxHash)
	}
	return fmt.Sprintf("%s: calldata for %s -> %s written for review", e.Name, e.Old, e.New)
}
