package cluster

import "github.com/dapp-publish/dapp-publish/pin"

// Config is a cluster entry of the config file:
//
//   - {name: cluster, type: cluster, endpoint: "https://cluster.example:9094", token: "${CLUSTER_JWT}",
//     replication_min: 2, replication_max: 3}
//
// endpoint is the REST API (required). Auth: Bearer (a JWT from the
// cluster's POST /token) or, with auth: basic, "user:password" as configured
// in basic_auth_credentials.
type Config struct {
	pin.HTTP    `yaml:",inline"`
	pin.Polling `yaml:",inline"`
	// ReplicationMin and ReplicationMax go with the pin (0: the cluster's
	// defaults; -1: every peer). The pin counts as stored once
	// ReplicationMin peers (all allocated peers, when 0 or -1) report it.
	ReplicationMin int `yaml:"replication_min"`
	ReplicationMax int `yaml:"replication_max"`
}

// Validate implements pin.Settings.
func (c *Config) Validate() error {
	if err := c.HTTP.Validate(); err != nil {
		return err
	}
	if _, err := c.Base("the cluster REST API, e.g. https://cluster.example:9094"); err != nil {
		return err
	}
	if c.ReplicationMin < -1 || c.ReplicationMax < -1 || (c.ReplicationMax > 0 && c.ReplicationMin > c.ReplicationMax) {
		return pin.InvalidField("replication_min", "need -1 <= replication_min <= replication_max (got %d, %d)", c.ReplicationMin, c.ReplicationMax)
	}
	return c.Defaults(DefaultPollInterval, DefaultWaitTimeout)
}
