package secret

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadFileRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want error
	}{
		{"/dev/zero", ErrNotRegular},
		{"/dev/urandom", ErrNotRegular},
		{fifo, ErrNotRegular},
		{dir, ErrNotRegular},
		{big, ErrTooLarge},
		{filepath.Join(dir, "missing"), os.ErrNotExist},
	}
	for _, tt := range tests {
		done := make(chan error, 1)
		go func() { _, err := ReadFile(tt.path); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, tt.want) {
				t.Errorf("ReadFile(%s) = %v, want %v", tt.path, err, tt.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("ReadFile(%s) hangs", tt.path)
		}
	}
}

func TestFromFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "token")
	os.WriteFile(good, []byte("  s3cret-token-value\n"), 0o600)
	link := filepath.Join(dir, "link")
	os.Symlink(good, link)
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("e\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n\n"), 0o600)

	for _, p := range []string{good, link} {
		v, err := FromFile(p)
		if err != nil || v.Expose() != "s3cret-token-value" || v.From() != "file "+p {
			t.Errorf("FromFile(%s) = %q from %q, %v", p, v.Expose(), v.From(), err)
		}
	}
	if _, err := FromFile(short); !errors.Is(err, ErrTooShort) || strings.Contains(err.Error(), "e\n") {
		t.Errorf("short: %v", err)
	}
	if _, err := FromFile(empty); !errors.Is(err, ErrNotSet) {
		t.Errorf("empty: %v", err)
	}
}

func TestFromEnv(t *testing.T) {
	env := map[string]string{"OK": " long-enough-token ", "ONE": "e", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if v, err := FromEnv("OK", lookup); err != nil || v.Expose() != "long-enough-token" || v.From() != "OK" {
		t.Errorf("OK: %q %v", v.Expose(), err)
	}
	for name, want := range map[string]error{"ONE": ErrTooShort, "EMPTY": ErrNotSet, "UNSET": ErrNotSet} {
		if _, err := FromEnv(name, lookup); !errors.Is(err, want) || !strings.Contains(err.Error(), "$"+name) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
}

func TestValueNeverPrints(t *testing.T) {
	v := New("sentinel-secret-value", "PINATA_JWT")
	type cfg struct {
		Token Value
	}
	js, _ := json.Marshal(cfg{v})
	for _, s := range []string{fmt.Sprint(v), fmt.Sprintf("%v %+v %#v %s", v, cfg{v}, cfg{v}, v), string(js)} {
		if strings.Contains(s, "sentinel") {
			t.Errorf("printed the secret: %s", s)
		}
		if !strings.Contains(s, "PINATA_JWT") {
			t.Errorf("lost where it came from: %s", s)
		}
	}
}
