package config

import (
	"encoding/hex"
	"path/filepath"

	"github.com/dapp-publish/dapp-publish/pin/filecoin"
	"github.com/dapp-publish/dapp-publish/pin/lighthouse"
	"github.com/ethereum/go-ethereum/crypto"
)

// typed validates the settings block of the provider types that have their
// own typed settings (filecoin:, lighthouse:) into pin.Config.Settings. A
// block under another type is an error; filecoin requires its block.
func (v *validator) typed(p *Provider, rp rawProvider, i int, label string) error {
	switch {
	case rp.Filecoin != nil && rp.Type != filecoin.Type:
		return v.errAt(i, "filecoin", "%s: a filecoin: block belongs to type filecoin, not %s", label, rp.Type)
	case rp.Lighthouse != nil && rp.Type != lighthouse.Type:
		return v.errAt(i, "lighthouse", "%s: a lighthouse: block belongs to type lighthouse, not %s", label, rp.Type)
	case rp.Type == filecoin.Type:
		if rp.Filecoin == nil {
			return v.errAt(i, "", "%s: type filecoin needs a filecoin: block with network, key (or key_file) and max_per_run", label)
		}
		f := *rp.Filecoin
		if f.KeyFile != "" && !filepath.IsAbs(f.KeyFile) {
			f.KeyFile = filepath.Join(v.dir, f.KeyFile)
		}
		s, err := f.Resolve(v.opts.LookupEnv)
		if err != nil {
			return v.errAt(i, "filecoin", "%s: filecoin: %v", label, err)
		}
		key := hex.EncodeToString(crypto.FromECDSA(s.Key))
		v.secrets = append(v.secrets, key, "0x"+key)
		p.Settings = s
	case rp.Type == lighthouse.Type:
		var f lighthouse.File
		if rp.Lighthouse != nil {
			f = *rp.Lighthouse
		}
		s, err := f.Resolve()
		if err != nil {
			return v.errAt(i, "lighthouse", "%s: lighthouse: %v", label, err)
		}
		p.Settings = s
	}
	return nil
}
