// Package secret holds credentials (API tokens, Ethereum keys, wallet files)
// and is the one way the program reads them: from an environment variable or
// from a regular file of bounded size, never from a flag or the config file
// itself.
//
// A Value never prints itself: String, GoString, JSON and YAML encodings show
// where it came from, not what it is, so a config struct logged by mistake
// leaks nothing. Expose returns the secret for the one place that sends it.
//
// Values too short to be told apart from ordinary text are refused
// (MinLength): output is scrubbed of every secret (internal/redact), and a
// one-letter token would turn every "e" of a message into [REDACTED], or, if
// left out of the scrubbing, be printed.
package secret

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
)

// MinLength is the shortest secret accepted from the environment or a file.
const MinLength = 8

// MaxFileSize bounds a secret file: a token, a hex key, a keystore or an
// Arweave JWK wallet (about 3 KB) fit many times over; /dev/zero or a log
// file named by mistake does not.
const MaxFileSize = 64 << 10

// Errors a caller may want to explain.
var (
	ErrNotSet     = errors.New("not set or empty")
	ErrTooShort   = fmt.Errorf("shorter than %d characters", MinLength)
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = fmt.Errorf("larger than %d KiB", MaxFileSize>>10)
)

// Value is a secret and where it came from.
type Value struct {
	v    string
	from string
}

// New returns a Value holding v (already trimmed by the caller if needed);
// from says where it came from, for messages ("PINATA_JWT", "file
// /run/secrets/jwt"). It does not check the length: tests and callers that
// build configs in code may use any value.
func New(v, from string) Value { return Value{v: v, from: from} }

// Expose returns the secret itself. Call it only where the secret is sent or
// used to sign, never to print.
func (s Value) Expose() string { return s.v }

// From says where the secret came from.
func (s Value) From() string { return s.from }

// IsSet reports whether a secret is held.
func (s Value) IsSet() bool { return s.v != "" }

// String describes the value without revealing it.
func (s Value) String() string {
	switch {
	case !s.IsSet():
		return "(none)"
	case s.from != "":
		return "[secret from " + s.from + "]"
	}
	return "[secret]"
}

// GoString is String, for %#v.
func (s Value) GoString() string { return s.String() }

// MarshalJSON encodes the description, never the secret.
func (s Value) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprintf("%q", s.String())), nil }

// MarshalYAML encodes the description, never the secret.
func (s Value) MarshalYAML() (any, error) { return s.String(), nil }

// Check refuses values that are empty or too short to redact safely.
func Check(v string) error {
	switch {
	case strings.TrimSpace(v) == "":
		return ErrNotSet
	case len(strings.TrimSpace(v)) < MinLength:
		return ErrTooShort
	}
	return nil
}

// FromEnv reads the secret in environment variable name (trimmed of
// surrounding white space) through lookup (nil: os.LookupEnv).
func FromEnv(name string, lookup func(string) (string, bool)) (Value, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	raw, _ := lookup(name)
	v := strings.TrimSpace(raw)
	if err := Check(v); err != nil {
		return Value{}, fmt.Errorf("$%s is %w", name, err)
	}
	return Value{v: v, from: name}, nil
}

// FromFile reads the secret in the file at path, trimmed of surrounding
// white space. See ReadFile for what is refused.
func FromFile(path string) (Value, error) {
	b, err := ReadFile(path)
	if err != nil {
		return Value{}, err
	}
	v := strings.TrimSpace(string(b))
	if err := Check(v); err != nil {
		return Value{}, fmt.Errorf("the file %s is %w", path, err)
	}
	return Value{v: v, from: "file " + path}, nil
}

// ReadFile reads a secret file. Only a regular file (or a symlink to one, as
// Kubernetes and Docker mount secrets) of at most MaxFileSize bytes is read:
// a device such as /dev/zero, a named pipe, a socket or a folder is refused
// before a byte is read, and opening never blocks (a FIFO without a writer
// would hang a plain open).
func ReadFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, kind(fi.Mode()))}
	}
	if fi.Size() > MaxFileSize {
		return nil, &fs.PathError{Op: "read", Path: path, Err: ErrTooLarge}
	}
	// The size can change after the stat: read at most one byte past the
	// limit to notice.
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		return nil, &fs.PathError{Op: "read", Path: path, Err: ErrTooLarge}
	}
	return b, nil
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
