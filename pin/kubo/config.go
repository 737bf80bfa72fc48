package kubo

import "github.com/dapp-publish/dapp-publish/pin"

// Config is a kubo entry of the config file:
//
//   - {name: own-node, type: kubo, endpoint: "http://127.0.0.1:5001", token: "${KUBO_TOKEN}", provide: true}
//
// endpoint is the RPC address (required); token, if set, is sent as a Bearer
// token, or as Basic credentials ("user:password") with auth: basic.
type Config struct {
	pin.HTTP `yaml:",inline"`
	// Provide announces the root to the routing system after the import.
	Provide bool `yaml:"provide"`
}

// Validate implements pin.Settings.
func (c *Config) Validate() error {
	if err := c.HTTP.Validate(); err != nil {
		return err
	}
	_, err := c.Base("the RPC address, e.g. http://127.0.0.1:5001")
	return err
}
