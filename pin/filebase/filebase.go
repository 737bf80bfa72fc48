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
	"errors"

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

// New returns a kubo provider preset for Filebase.
func New(cfg pin.Config) (pin.Provider, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if cfg.Gateway == "" {
		cfg.Gateway = DefaultGateway
	}
	if cfg.Token == "" {
		return nil, errTokenRequired
	}
	cfg.Auth = "bearer" // bucket tokens are Bearer tokens
	return kubo.NewType(cfg, Type)
}

var errTokenRequired = errors.New("a token is required: set token: ${FILEBASE_TOKEN} (the bucket's IPFS RPC API key)")
