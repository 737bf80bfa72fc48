package pin

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxErrorBody bounds how much of an error body is read.
const maxErrorBody = 64 << 10

// Client returns the HTTP client to use for cfg.
func (c Config) Client() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return http.DefaultClient
}

// Authorize adds the configured credentials to req.
func (c Config) Authorize(req *http.Request) {
	if c.Token == "" {
		return
	}
	if strings.EqualFold(c.Auth, "basic") {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.Token)))
		return
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
}

// Do sends req with cfg's credentials and client. A non-2xx answer becomes a
// classified *HTTPError whose Message is decoded from the body by msg (nil:
// the body's first line). Network errors are wrapped as transient unless ctx
// was cancelled.
func (c Config) Do(req *http.Request, op string, msg func([]byte) string) (*http.Response, error) {
	c.Authorize(req)
	resp, err := c.Client().Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, fmt.Errorf("%s: %s: %w", c.Name, op, context.Cause(req.Context()))
		}
		return nil, Transient(fmt.Errorf("%s: %s: %w", c.Name, op, err), 0)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	he := &HTTPError{Provider: c.Name, Op: op, StatusCode: resp.StatusCode, TokenFrom: c.TokenFrom,
		RetryAfter: ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	if msg != nil {
		he.Message = msg(body)
	}
	if he.Message == "" {
		he.Message = firstLine(body)
	}
	return nil, he.Classify()
}

// firstLine returns a short printable excerpt of an unknown error body.
func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}

// ReadError wraps an error that happened while reading a response body: a
// connection that dropped mid-answer is transient.
func ReadError(name, op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %s: %w", name, op, err)
	}
	return Transient(fmt.Errorf("%s: failed to read %s answer: %w", name, op, err), 0)
}
