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

	"github.com/dapp-publish/dapp-publish/internal/redact"
)

// maxErrorBody bounds how much of an error body is read.
const maxErrorBody = 64 << 10

// Client returns the HTTP client to use.
func (h HTTP) Client() *http.Client {
	if h.HTTPClient != nil {
		return h.HTTPClient
	}
	return http.DefaultClient
}

// Authorize adds the configured credentials to req.
func (h HTTP) Authorize(req *http.Request) {
	if !h.Token.IsSet() {
		return
	}
	if strings.EqualFold(h.Auth, "basic") {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(h.Token.Expose())))
		return
	}
	req.Header.Set("Authorization", "Bearer "+h.Token.Expose())
}

// scrubber knows h's secrets: the token (and so its Basic auth form) and the
// credential parts of the endpoint and gateway URLs.
func (h HTTP) scrubber() *redact.Set {
	var s redact.Set
	s.AddSecret(h.Token)
	s.AddURL(h.Endpoint)
	s.AddURL(h.Gateway)
	return &s
}

// Do sends req with h's credentials and client on behalf of the provider
// named name. A non-2xx answer becomes a classified *HTTPError whose Message
// is decoded from the body by msg (nil: the body's first line). Network
// errors are wrapped as transient unless ctx was cancelled.
func (h HTTP) Do(name string, req *http.Request, op string, msg func([]byte) string) (*http.Response, error) {
	h.Authorize(req)
	resp, err := h.Client().Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, fmt.Errorf("%s: %s: %w", name, op, context.Cause(req.Context()))
		}
		return nil, Transient(fmt.Errorf("%s: %s: %w", name, op, err), 0)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	he := &HTTPError{Provider: name, Op: op, StatusCode: resp.StatusCode, TokenFrom: h.Token.From(),
		RetryAfter: ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	// A holder may quote the credentials it got (the token, the Basic auth
	// header, the URL): they are scrubbed before the message is cut short,
	// which would leave a piece no later scrubbing recognises.
	body = []byte(h.scrubber().String(string(body)))
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
// when set) and sends it with Do on behalf of the provider named name. A
// request that cannot be built is a permanent error naming the provider.
func (h HTTP) Send(ctx context.Context, name, method, url string, body io.Reader, ct string, size int64, op string, msg func([]byte) string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, Permanent(fmt.Errorf("%s: %w", name, h.scrubber().Error(err)))
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if size >= 0 {
		req.ContentLength = size
	}
	return h.Do(name, req, op, msg)
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
