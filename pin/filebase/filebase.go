// Package filebase is a preset of the kubo provider for Filebase: Filebase
// serves a Kubo-compatible RPC at https://rpc.filebase.io authorised by a
// bucket-scoped token, so uploads go through dag/import exactly as to our
// own Kubo, and its gateway serves what the bucket pins.
//
// Config:
//
//   - {name: filebase, type: filebase, token: "${FILEBASE_TOKEN}"}
//
// endpoint and gateway default to Filebase's; set them to use another
// region or a dedicated gateway.
package filebase

import (
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/kubo"
)

// Type is the registered provider type.
const Type = "filebase"

// Filebase's endpoints.
const (
	DefaultEndpoint = "https://rpc.filebase.io"
	DefaultGateway  = "https://ipfs.filebase.io"
)

// New returns a kubo provider named name, preset for Filebase.
func New(name string, cfg *Config) (pin.Provider, error) {
	c := *cfg
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return kubo.NewType(name, Type, kubo.Config{HTTP: c.HTTP})
}
