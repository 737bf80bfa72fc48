package cluster

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// addedOutput is one entry of POST /add's answer.
type addedOutput struct {
	Name string `json:"name"`
	Cid  string `json:"cid"`
}

// decodeAdded reads the answer of /add with stream-channels=false: a JSON
// array of addedOutput. It is outside input: nothing more is trusted.
func decodeAdded(r io.Reader) ([]addedOutput, error) {
	var out []addedOutput
	if err := json.NewDecoder(io.LimitReader(r, 16<<20)).Decode(&out); err != nil {
		return nil, fmt.Errorf("malformed add answer: %w", err)
	}
	return out, nil
}

// pinInfo is GET /pins/<cid> (GlobalPinInfo), reduced to what we use.
type pinInfo struct {
	Cid         string              `json:"cid"`
	Name        string              `json:"name"`
	Allocations []string            `json:"allocations"`
	PeerMap     map[string]peerInfo `json:"peer_map"`
}

type peerInfo struct {
	PeerName string `json:"peername"`
	Status   string `json:"status"`
	Error    string `json:"error"`
}

func decodePinInfo(r io.Reader) (pinInfo, error) {
	var st pinInfo
	if err := json.NewDecoder(io.LimitReader(r, 16<<20)).Decode(&st); err != nil {
		return pinInfo{}, fmt.Errorf("malformed pin status: %w", err)
	}
	return st, nil
}

func (s pinInfo) count(status string) int {
	n := 0
	for _, p := range s.PeerMap {
		if p.Status == status {
			n++
		}
	}
	return n
}

func (s pinInfo) pinned() int { return s.count("pinned") }

// known reports whether the cluster tracks the CID at all.
func (s pinInfo) known() bool {
	for _, p := range s.PeerMap {
		if p.Status != "unpinned" && p.Status != "undefined" && p.Status != "" {
			return true
		}
	}
	return false
}

// need is how many pinned peers count as stored: replication-min, or every
// peer the pin is allocated to (all peers for -1/0), at least one.
func need(min int, s pinInfo) string { return fmt.Sprint(needN(min, s)) }

func needN(min int, s pinInfo) int {
	if min > 0 {
		return min
	}
	n := len(s.Allocations)
	if n == 0 {
		n = len(s.PeerMap)
	}
	return max(n, 1)
}

func (s pinInfo) enough(min int) bool { return s.pinned() >= needN(min, s) && s.pinned() > 0 }

// failed explains why the pin can no longer reach enough peers: peers in an
// error state and none still working on it. "" while there is hope.
func (s pinInfo) failed(min int) string {
	var errs []string
	working := 0
	for id, p := range s.PeerMap {
		switch p.Status {
		case "pin_error", "cluster_error", "error":
			errs = append(errs, fmt.Sprintf("peer %s: %s %s", nameOr(p.PeerName, id), p.Status, p.Error))
		case "pinned":
		default:
			working++
		}
	}
	if len(errs) == 0 || s.pinned()+working >= needN(min, s) {
		return ""
	}
	sort.Strings(errs)
	return "the cluster could not pin it: " + strings.Join(errs, "; ")
}

func nameOr(name, id string) string {
	if name != "" {
		return name
	}
	return id
}
