package publish

import "time"

// HistoryEntry is one past value of a name, as `history` prints it.
type HistoryEntry struct {
	CID     string     `json:"cid,omitempty"` // "" when the value is not IPFS content
	Value   string     `json:"value"`
	Time    time.Time  `json:"time"`
	Block   uint64     `json:"block,omitempty"`
	Tx      string     `json:"tx,omitempty"`
	Source  string     `json:"source"` // "ens" (an on-chain event) or "record" (a local Record only)
	Current bool       `json:"current"`
	Record  *RecordRef `json:"record,omitempty"`
}

// RecordRef summarises the local Record of a version.
type RecordRef struct {
	Kind     string    `json:"kind"`
	Outcome  string    `json:"outcome"`
	Verified []string  `json:"verified"` // holders that served it, every block checked
	Commit   string    `json:"commit,omitempty"`
	Finished time.Time `json:"finished"`
}

// History lists the values of name, oldest first: the on-chain changes
// when known (with the local Record of each version, if any), otherwise the
// published Records alone. The last entry is the current value.
func History(name string, changes []NameChange, records []*Record) []HistoryEntry {
	var mine []*Record
	for _, r := range records {
		if recordName(r) == name && r.Published() {
			mine = append(mine, r)
		}
	}
	out := []HistoryEntry{}
	if len(changes) > 0 {
		for _, ch := range changes {
			e := HistoryEntry{Value: ch.Value, Time: ch.Time, Block: ch.Block, Tx: ch.Tx, Source: "ens"}
			if ch.CID.Defined() {
				e.CID = ch.CID.String()
				e.Record = refOf(newest(mine, e.CID))
			}
			out = append(out, e)
		}
	} else {
		for _, r := range mine {
			e := HistoryEntry{CID: r.CID, Value: "ipfs://" + r.CID, Time: r.Timings.Finished, Source: "record", Record: refOf(r)}
			if r.ENS != nil {
				e.Tx = r.ENS.Tx
				e.Block = r.ENS.Block
			}
			out = append(out, e)
		}
	}
	if len(out) > 0 {
		out[len(out)-1].Current = true
	}
	return out
}

func newest(rs []*Record, c string) *Record {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].CID == c {
			return rs[i]
		}
	}
	return nil
}

func refOf(r *Record) *RecordRef {
	if r == nil {
		return nil
	}
	v := r.VerifiedHolders()
	if v == nil {
		v = []string{}
	}
	return &RecordRef{Kind: r.Kind, Outcome: r.Outcome, Verified: v, Commit: r.Commit, Finished: r.Timings.Finished}
}
