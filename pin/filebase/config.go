package filebase

import "github.com/dapp-publish/dapp-publish/pin"

// Config is a filebase entry of the config file:
//
//   - {name: filebase, type: filebase, token: "${FILEBASE_TOKEN}"}
//
// endpoint and gateway default to Filebase's; set them to use another
// region or a dedicated gateway. The token (the bucket's IPFS RPC API key)
// is required and always sent as a Bearer token.
type Config struct {
	pin.HTTP `yaml:",inline"`
}

// Validate implements pin.Settings: it fills Filebase's endpoints.
func (c *Config) Validate() error {
	if c.Endpoint == "" {
		c.Endpoint = DefaultEndpoint
	}
	if c.Gateway == "" {
		c.Gateway = DefaultGateway
	}
	if c.Auth == "basic" {
		return pin.InvalidField("auth", "Filebase bucket tokens are Bearer tokens: leave auth out")
	}
	c.Auth = "bearer"
	if err := c.HTTP.Validate(); err != nil {
		return err
	}
	return c.RequireToken("FILEBASE_TOKEN")
}
