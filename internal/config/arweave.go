package config

import (
	"path/filepath"
	"strings"

	"github.com/dapp-publish/dapp-publish/pin/arweave"
)

// arweave builds and checks the typed settings of a type: arweave entry
// (pin/arweave.Config) and hands them to the provider through
// pin.Config.Settings. The wallet is a secret: only ${ENV} (the JWK JSON)
// or wallet_file (read here, as a regular file of bounded size), and every
// private part of it is redacted from output.
func (v *validator) arweave(p *Provider, rp rawProvider, i int, label string) error {
	if rp.Type != arweave.Type {
		if rp.Wallet != "" || rp.Uploader != "" || rp.Index != "" || rp.Fallback != "" || rp.Confirmations != 0 {
			return v.errAt(i, "", "%s: wallet, uploader, index, fallback and confirmations are settings of type: arweave", label)
		}
		return nil
	}
	c := arweave.Config{Name: p.Name, Gateway: p.Gateway, Endpoint: p.Endpoint, Uploader: rp.Uploader,
		Index: rp.Index, Fallback: rp.Fallback, Confirmations: rp.Confirmations, Concurrency: rp.Concurrency,
		PollInterval: p.PollInterval, WaitTimeout: p.WaitTimeout}
	switch {
	case rp.Wallet != "" && p.WalletFile != "":
		return v.errAt(i, "wallet", "%s: set wallet or wallet_file, not both", label)
	case rp.Wallet != "":
		m := onlyRef.FindStringSubmatch(rp.Wallet)
		if m == nil {
			return v.errAt(i, "wallet", "%s: wallet must be an environment reference like ${ARWEAVE_WALLET} holding the JWK JSON; never write a key into the config file", label)
		}
		val, ok := v.opts.LookupEnv(m[1])
		if !ok || strings.TrimSpace(val) == "" {
			return v.errAt(i, "wallet", "%s: wallet comes from ${%s}, which is not set or empty (set it as a secret in the CI job)", label, m[1])
		}
		c.Wallet, c.WalletFrom = val, "${"+m[1]+"}"
	case p.WalletFile != "":
		path := p.WalletFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(v.dir, path)
		}
		data, err := arweave.ReadWalletJSON(path)
		if err != nil {
			return v.errAt(i, "wallet_file", "%s: %v", label, err)
		}
		c.Wallet, c.WalletFrom, p.WalletFile = string(data), "wallet_file "+path, path
	}
	if c.Wallet != "" {
		v.secrets = append(v.secrets, c.Wallet)
		v.secrets = append(v.secrets, arweave.JWKSecrets(c.Wallet)...)
	}
	if err := c.WithDefaults().Validate(); err != nil {
		return v.errAt(i, "", "%s: %v", label, err)
	}
	if rp.Timeout == "" {
		p.Policy.Timeout = arweave.DefaultTimeout // a site goes up chunk by chunk: minutes, not seconds
	}
	p.Settings = c
	return nil
}
