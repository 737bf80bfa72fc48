package psa

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// The IPFS Pinning Service API v1 objects we use
// (ipfs/pinning-services-api-spec, ipfs-pinning-service.yaml).

// Pin is the object POSTed to /pins and /pins/{requestid}.
type Pin struct {
	Cid     string            `json:"cid"`
	Name    string            `json:"name,omitempty"`
	Origins []string          `json:"origins,omitempty"`
	Meta    map[string]string `json:"meta,omitempty"`
}

// PinStatus is the service's view of one pin request.
type PinStatus struct {
	RequestID string         `json:"requestid"`
	Status    string         `json:"status"` // queued, pinning, pinned, failed
	Created   time.Time      `json:"created"`
	Pin       Pin            `json:"pin"`
	Delegates []string       `json:"delegates"`
	Info      map[string]any `json:"info,omitempty"`
}

// PinResults is the answer of GET /pins.
type PinResults struct {
	Count   int         `json:"count"`
	Results []PinStatus `json:"results"`
}

// Failure is the spec's error body.
type Failure struct {
	Error struct {
		Reason  string `json:"reason"`
		Details string `json:"details,omitempty"`
	} `json:"error"`
}

// maxAnswer bounds how much of an answer is read: GET /pins returns at most
// 1000 results.
const maxAnswer = 8 << 20

func decodeStatus(r io.Reader) (PinStatus, error) {
	var st PinStatus
	if err := json.NewDecoder(io.LimitReader(r, maxAnswer)).Decode(&st); err != nil {
		return st, fmt.Errorf("malformed PinStatus: %w", err)
	}
	if st.RequestID == "" {
		return st, fmt.Errorf("malformed PinStatus: no requestid")
	}
	switch st.Status {
	case "queued", "pinning", "pinned", "failed":
	default:
		return st, fmt.Errorf("malformed PinStatus: unknown status %q", st.Status)
	}
	return st, nil
}

func decodeResults(r io.Reader) (PinResults, error) {
	var res PinResults
	if err := json.NewDecoder(io.LimitReader(r, maxAnswer)).Decode(&res); err != nil {
		return res, fmt.Errorf("malformed PinResults: %w", err)
	}
	for _, st := range res.Results {
		if st.RequestID == "" {
			return res, fmt.Errorf("malformed PinResults: a result without requestid")
		}
	}
	return res, nil
}

// failureMessage maps the spec's error body to "REASON: details", with a
// plain-words explanation of the reasons the spec defines.
func failureMessage(body []byte) string {
	var f Failure
	if json.Unmarshal(body, &f) != nil || f.Error.Reason == "" {
		return ""
	}
	msg := f.Error.Reason
	if f.Error.Details != "" {
		msg += ": " + f.Error.Details
	}
	if why, ok := reasons[f.Error.Reason]; ok {
		msg += " (" + why + ")"
	}
	return msg
}

var reasons = map[string]string{
	"BAD_REQUEST":           "the service rejected the request as malformed",
	"UNAUTHORIZED":          "the access token is missing or invalid",
	"NOT_FOUND":             "the pin request does not exist",
	"INSUFFICIENT_FUNDS":    "the account has no credit left for pinning; top it up with the service",
	"CONTENT_TOO_LARGE":     "the bundle exceeds the service's size limit",
	"INTERNAL_SERVER_ERROR": "the service failed internally",
}
