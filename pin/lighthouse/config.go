package lighthouse

import (
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/pin"
)

// Config is a lighthouse entry of the config file:
//
//   - {name: lighthouse, type: lighthouse, token: "${LIGHTHOUSE_API_KEY}", deal_wait: 2h}
//
// token (or token_file) is the API key (required); endpoint is the upload
// node (default DefaultNode), api the deal status API (default DefaultAPI),
// gateway an optional retrieval URL recorded in receipts.
type Config struct {
	pin.HTTP `yaml:",inline"`
	// API is the deal status API base URL.
	API string `yaml:"api"`
	// DealWait is how long a pin waits for Lighthouse's first Filecoin deal
	// (0, the default: record the deals there are).
	DealWait time.Duration `yaml:"deal_wait"`
	// Poll is how often deal_status is asked while waiting (default 30s).
	Poll time.Duration `yaml:"-"`
}

// Defaults: Lighthouse's hosts (lighthouse-web3/lighthouse-package
// lighthouse.config.ts).
const (
	DefaultNode = "https://node.lighthouse.storage"
	DefaultAPI  = "https://api.lighthouse.storage"
)

// Validate implements pin.Settings.
func (c *Config) Validate() error {
	if c.Auth == "basic" {
		return pin.InvalidField("auth", "Lighthouse API keys are Bearer tokens: leave auth out")
	}
	if err := c.HTTP.Validate(); err != nil {
		return err
	}
	if err := c.RequireToken("LIGHTHOUSE_API_KEY"); err != nil {
		return err
	}
	if c.Endpoint == "" {
		c.Endpoint = DefaultNode
	}
	api := pin.HTTP{Endpoint: c.API}
	if err := api.Validate(); err != nil {
		return pin.InvalidField("api", "is not an http(s) URL like %s, without credentials", DefaultAPI)
	}
	c.API = strings.TrimRight(c.API, "/")
	if c.API == "" {
		c.API = DefaultAPI
	}
	if c.DealWait < 0 {
		return pin.InvalidField("deal_wait", "cannot be negative")
	}
	if c.Poll <= 0 {
		c.Poll = 30 * time.Second
	}
	return nil
}
