package publish

import (
	"fmt"
	"slices"
	"strings"
)

// QuorumGateways is the Quorum key for configured gateways: how many of them
// must serve the complete, verified bundle (they hold no copy of their own,
// so by default none is required).
const QuorumGateways = "gateways"

// Quorum is the gate the config's `quorum:` section describes: for each
// network, the minimum number of independent holders that must serve the
// complete bundle, every block verified, before the name may move. A network
// that has holders but no entry needs every one of its holders.
type Quorum map[string]int

var _ Gate = Quorum(nil)

// Required is the number of verified holders network needs, given it has
// n holders.
func (q Quorum) Required(network string, n int) int {
	if v, ok := q[network]; ok {
		return v
	}
	if network == QuorumGateways {
		return 0
	}
	return n
}

// Check reports a quorum that can never be met with these holders (more
// verified copies required than holders exist) or names no known network.
func (q Quorum) Check(holders []Holder, gateways int) error {
	counts := countNetworks(holders)
	for net, want := range q {
		have, known := counts[net]
		switch {
		case net == QuorumGateways:
			have, known = gateways, true
		case !known && !slices.Contains([]string{NetworkIPFS, NetworkArweave, NetworkFilecoin}, net):
			return fmt.Errorf("quorum: unknown network %q (use ipfs, arweave, filecoin or gateways)", net)
		}
		if want < 0 {
			return fmt.Errorf("quorum: %s: %d is negative", net, want)
		}
		if want > have {
			return fmt.Errorf("quorum: %s needs %d verified copies but only %d %s configured", net, want, have, plural(have, "holder is", "holders are"))
		}
	}
	return nil
}

// Decide counts, per network, the holders with at least one verified source.
func (q Quorum) Decide(holders []Holder, receipts []Receipt, vs []Verification) QuorumResult {
	res := QuorumResult{OK: true}
	byNet := map[string][]Holder{}
	var nets []string
	for _, h := range holders {
		if _, ok := byNet[h.Network()]; !ok {
			nets = append(nets, h.Network())
		}
		byNet[h.Network()] = append(byNet[h.Network()], h)
	}
	for _, net := range nets {
		nq := NetworkQuorum{Network: net, Required: q.Required(net, len(byNet[net])), Verified: []string{}}
		for _, h := range byNet[net] {
			if reason := failure(h.Name(), receipts, vs); reason != "" {
				nq.Failed = append(nq.Failed, HolderFailure{Holder: h.Name(), Reason: reason})
			} else {
				nq.Verified = append(nq.Verified, h.Name())
			}
		}
		res.add(nq)
	}
	if gws := gatewayResults(vs); len(gws) > 0 || q[QuorumGateways] > 0 {
		nq := NetworkQuorum{Network: QuorumGateways, Required: q.Required(QuorumGateways, len(gws)), Verified: []string{}}
		for _, v := range gws {
			if v.OK {
				nq.Verified = append(nq.Verified, v.Source)
			} else {
				nq.Failed = append(nq.Failed, HolderFailure{Holder: v.Source, Reason: v.Error})
			}
		}
		res.add(nq)
	}
	return res
}

func (r *QuorumResult) add(nq NetworkQuorum) {
	r.Networks = append(r.Networks, nq)
	r.OK = r.OK && len(nq.Verified) >= nq.Required
}

// failure is why holder does not count ("" if it does): its upload failed,
// or no source of it served the complete, verified bundle.
func failure(holder string, receipts []Receipt, vs []Verification) string {
	for _, r := range receipts {
		if r.Holder == holder && r.Status != StatusPinned {
			if r.Error != "" {
				return strings.TrimPrefix(r.Error, holder+": ")
			}
			return "status " + r.Status
		}
	}
	var reasons []string
	for _, v := range vs {
		if v.Holder != holder {
			continue
		}
		if v.OK {
			return ""
		}
		reasons = append(reasons, v.Source+": "+v.Error)
	}
	if len(reasons) == 0 {
		return "not verified: no source to fetch it back from"
	}
	return "did not serve the complete, verified bundle: " + strings.Join(reasons, "; ")
}

func gatewayResults(vs []Verification) []Verification {
	var out []Verification
	for _, v := range vs {
		if v.Holder == "" {
			out = append(out, v)
		}
	}
	return out
}

func countNetworks(holders []Holder) map[string]int {
	n := map[string]int{}
	for _, h := range holders {
		n[h.Network()]++
	}
	return n
}

// Summary is one line per network, e.g. "ipfs: 2 verified, 2 required:
// met (own-node, cluster)".
func (r QuorumResult) Summary() []string { return r.SummaryAs("verified") }

// SummaryAs is Summary with another word for what was counted (a dry run
// counts holders that are "reachable").
func (r QuorumResult) SummaryAs(counted string) []string {
	var out []string
	for _, n := range r.Networks {
		mark := "met"
		if len(n.Verified) < n.Required {
			mark = "NOT met"
		}
		line := fmt.Sprintf("%s: %d %s, %d required: %s", n.Network, len(n.Verified), counted, n.Required, mark)
		if len(n.Verified) > 0 {
			line += " (" + strings.Join(n.Verified, ", ") + ")"
		}
		out = append(out, line)
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
