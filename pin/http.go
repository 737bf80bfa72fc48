package pin

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
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
		he.Structured = he.Message != ""
	}
	if he.Message == "" {
		he.Message = firstLine(body)
	}
	return nil, he.Classify()
}

// Send builds a request (body of size bytes, -1: unknown; content type ct
// when set) and sends it with Do. A request that cannot be built is a
// permanent error naming the provider.
func (c Config) Send(ctx context.Context, method, url string, body io.Reader, ct string, size int64, op string, msg func([]byte) string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, Permanent(fmt.Errorf("%s: %w", c.Name, err))
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if size >= 0 {
		req.ContentLength = size
	}
	return c.Do(req, op, msg)
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

// MultipartCAR returns a multipart/form-data body with the CAR as one file
// part (form field "file"), preceded by the given plain fields, as
// head + CAR + tail, with its exact length and content type. The CAR is
// streamed from b.Reader, never held in memory, and the request can carry a
// Content-Length like `curl -F` does instead of chunked encoding.
func MultipartCAR(b Bundle, filename string, fields ...[2]string) (io.Reader, int64, string) {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	for _, f := range fields {
		_ = mw.WriteField(f[0], f[1])
	}
	_, _ = mw.CreateFormFile("file", filename)
	h := bytes.Clone(head.Bytes())
	head.Reset()
	_ = mw.Close()
	tail := bytes.Clone(head.Bytes())
	size := int64(len(h)) + b.Size + int64(len(tail))
	return io.MultiReader(bytes.NewReader(h), b.Reader(), bytes.NewReader(tail)), size, mw.FormDataContentType()
}
