package psa

import "github.com/dapp-publish/dapp-publish/pin"

// Config is a psa entry of the config file:
//
//   - {name: psa, type: psa, endpoint: "https://api.pinata.cloud/psa", token: "${PSA_TOKEN}", keep: 3,
//     origins: ["/dns4/node.example/tcp/4001/p2p/12D3..."], meta: {app: site}}
//
// endpoint is the base that /pins hangs off (required); the token is sent
// as a Bearer token, as the spec requires.
type Config struct {
	pin.HTTP    `yaml:",inline"`
	pin.Polling `yaml:",inline"`
	// Keep is how many pins of PinName to keep, newest first (0: replace).
	Keep int `yaml:"keep"`
	// Origins are multiaddrs the service can fetch the DAG from.
	Origins []string `yaml:"origins"`
	// Meta is stored with the pin.
	Meta map[string]string `yaml:"meta"`
}

// Validate implements pin.Settings.
func (c *Config) Validate() error {
	if err := c.HTTP.Validate(); err != nil {
		return err
	}
	if _, err := c.Base("the Pinning Service API base URL, e.g. https://api.pinata.cloud/psa"); err != nil {
		return err
	}
	if c.Keep < 0 {
		return pin.InvalidField("keep", "cannot be negative")
	}
	if err := c.Defaults(DefaultPollInterval, DefaultWaitTimeout); err != nil {
		return err
	}
	if len(c.PinName) > 255 {
		return pin.InvalidField("pin_name", "is longer than the 255 characters the Pinning Service API allows")
	}
	return nil
}
