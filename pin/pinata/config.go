package pinata

import "github.com/dapp-publish/dapp-publish/pin"

// Config is a pinata entry of the config file:
//
//   - {name: pinata, type: pinata, token: "${PINATA_JWT}"}
//
// The token is a Pinata API key JWT with Files write scope (required). A
// configured endpoint replaces both of Pinata's hosts (uploads and API).
type Config struct {
	pin.HTTP `yaml:",inline"`
	// PinName names the uploaded file (default "dapp-publish").
	PinName string `yaml:"pin_name"`
}

// Validate implements pin.Settings.
func (c *Config) Validate() error {
	if c.Auth == "basic" {
		return pin.InvalidField("auth", "Pinata JWTs are Bearer tokens: leave auth out")
	}
	if err := c.HTTP.Validate(); err != nil {
		return err
	}
	return c.RequireToken("PINATA_JWT")
}
