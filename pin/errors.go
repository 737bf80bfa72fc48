package pin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors. Providers wrap them; callers test with errors.Is.
var (
	// ErrUnauthorized: the holder rejected our credentials (HTTP 401/403).
	// Permanent: retrying with the same token cannot help.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrWrongCID: the holder reported a root other than ours. Permanent:
	// the bundle is not stored and must never be counted as stored.
	ErrWrongCID = errors.New("holder reported a different root CID")
	// ErrTimeout: the holder did not finish within the configured timeout.
	// Transient.
	ErrTimeout = errors.New("timed out")
	// ErrNotPinned: the holder finished without holding the bundle
	// (a Pinning Service "failed" status, a cluster pin error). Permanent.
	ErrNotPinned = errors.New("not pinned")
)

// classified attaches a retry classification to an error.
type classified struct {
	err        error
	permanent  bool
	retryAfter time.Duration
}

func (c *classified) Error() string { return c.err.Error() }
func (c *classified) Unwrap() error { return c.err }

// Permanent marks err as not worth retrying (bad input, bad credentials,
// a wrong CID). It returns nil for nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &classified{err: err, permanent: true}
}

// Transient marks err as worth retrying (5xx, 429, a dropped connection),
// after at least retryAfter when the holder asked for it (0: no hint).
func Transient(err error, retryAfter time.Duration) error {
	if err == nil {
		return nil
	}
	return &classified{err: err, retryAfter: retryAfter}
}

// IsPermanent reports whether retrying err is pointless. Errors marked
// Permanent, ErrUnauthorized, ErrWrongCID, ErrNotPinned and cancellation are
// permanent; anything else (including unclassified network errors) is
// transient, because a dropped connection is the common unknown.
func IsPermanent(err error) bool {
	var c *classified
	if errors.As(err, &c) {
		return c.permanent
	}
	return errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrWrongCID) ||
		errors.Is(err, ErrNotPinned) || errors.Is(err, context.Canceled)
}

// RetryAfter returns the wait the holder asked for, if any.
func RetryAfter(err error) (time.Duration, bool) {
	var c *classified
	if errors.As(err, &c) && c.retryAfter > 0 {
		return c.retryAfter, true
	}
	var h *HTTPError
	if errors.As(err, &h) && h.RetryAfter > 0 {
		return h.RetryAfter, true
	}
	return 0, false
}

// HTTPError is a non-success HTTP answer from a holder.
type HTTPError struct {
	Provider   string        // configured provider name
	Op         string        // what we asked, e.g. "dag/import"
	StatusCode int           // HTTP status
	Message    string        // the holder's error message, decoded from its body
	Structured bool          // Message came from the holder's own error format (not a raw excerpt)
	RetryAfter time.Duration // from the Retry-After header
	TokenFrom  string        // where the token came from (env var or file), for 401/403 hints
}

func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s: HTTP %d %s", e.Provider, e.Op, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.auth() {
		if e.TokenFrom != "" {
			fmt.Fprintf(&b, " (the provider rejected the token from %s; check that it is set, current and allowed to pin)", e.TokenFrom)
		} else {
			b.WriteString(" (no token is configured for this provider; set token or token_file)")
		}
	}
	return b.String()
}

func (e *HTTPError) auth() bool {
	return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
}

// Is makes 401/403 match ErrUnauthorized.
func (e *HTTPError) Is(target error) bool { return target == ErrUnauthorized && e.auth() }

// Temporary reports whether the status is worth retrying: 408, 425, 429 and
// 5xx except 501 (not implemented) and 505.
func (e *HTTPError) Temporary() bool {
	switch e.StatusCode {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	case http.StatusNotImplemented, http.StatusHTTPVersionNotSupported:
		return false
	}
	return e.StatusCode >= 500
}

// Classify wraps an HTTPError as Permanent or Transient by its status.
func (e *HTTPError) Classify() error {
	if e.Temporary() {
		return Transient(e, e.RetryAfter)
	}
	return Permanent(e)
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
// Unparseable or past values give 0.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
