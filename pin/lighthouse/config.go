package lighthouse

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// File is the provider's own settings, under `lighthouse:` in a provider
// entry (all optional). The API key is the entry's token (${ENV} or
// token_file); the upload node is its endpoint.
type File struct {
	API      string `yaml:"api"`       // deal status API, default https://api.lighthouse.storage
	DealWait string `yaml:"deal_wait"` // how long to wait for Filecoin deals (default 0: record what is there)
}

// Settings are the validated settings.
type Settings struct {
	API      string
	DealWait time.Duration
	Poll     time.Duration
}

// Defaults: Lighthouse's hosts (lighthouse-web3/lighthouse-package
// lighthouse.config.ts).
const (
	DefaultNode = "https://node.lighthouse.storage"
	DefaultAPI  = "https://api.lighthouse.storage"
)

// Resolve validates f.
func (f File) Resolve() (Settings, error) {
	s := Settings{API: DefaultAPI, Poll: 30 * time.Second}
	if f.API != "" {
		u, err := url.Parse(f.API)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return s, fmt.Errorf("api %q is not an http(s) URL", f.API)
		}
		s.API = strings.TrimRight(f.API, "/")
	}
	if f.DealWait != "" {
		d, err := time.ParseDuration(f.DealWait)
		if err != nil || d < 0 {
			return s, fmt.Errorf("deal_wait %q is not a duration like 2h", f.DealWait)
		}
		s.DealWait = d
	}
	return s, nil
}
