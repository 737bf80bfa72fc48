package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// rawVerify is the verify: section as written.
type rawVerify struct {
	Gateways       []string `yaml:"gateways"`
	Timeout        string   `yaml:"timeout"`
	AllowRedirects bool     `yaml:"allow_redirects"`
}

// Publish is what publish and rollback read besides the providers and the
// ens: section.
type Publish struct {
	// Quorum is the minimum number of verified holders per network
	// (ipfs, arweave, filecoin) and of verified gateways (gateways).
	// A network without an entry needs all of its holders.
	Quorum map[string]int
	// Gateways are trustless gateways checked besides the holders.
	Gateways []string
	// VerifyTimeout bounds each source's fetch of the whole bundle.
	VerifyTimeout time.Duration
	// AllowRedirects lets a source's redirects to other hosts be followed
	// (those hosts are then named in the Record); by default such a
	// redirect fails the source, since the bytes must come from the host
	// named.
	AllowRedirects bool
}

// DefaultVerifyTimeout bounds each source's fetch when verify.timeout is unset.
const DefaultVerifyTimeout = 5 * time.Minute

// publish validates the quorum: and verify: sections.
func (v *validator) publish(f file) (Publish, error) {
	p := Publish{Quorum: map[string]int{}, VerifyTimeout: DefaultVerifyTimeout}
	for net, n := range f.Quorum {
		switch net {
		case "ipfs", "arweave", "filecoin", "gateways":
		default:
			return p, v.errAtPath("$.quorum."+net, "quorum: unknown network %q (use ipfs, arweave, filecoin or gateways)", net)
		}
		if n < 0 {
			return p, v.errAtPath("$.quorum."+net, "quorum: %s: %d is negative", net, n)
		}
		p.Quorum[net] = n
	}
	for i, g := range f.Verify.Gateways {
		at := fmt.Sprintf("$.verify.gateways[%d]", i)
		s, err := v.expand(g)
		if err != nil {
			return p, v.errAtPath(at, "verify.gateways %v", err)
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// As written: the expanded value may hold a secret.
			return p, v.errAtPath(at, "verify.gateways: %q is not an http(s) URL", g)
		}
		p.Gateways = append(p.Gateways, strings.TrimRight(s, "/"))
	}
	if f.Verify.Timeout != "" {
		d, err := time.ParseDuration(f.Verify.Timeout)
		if err != nil || d <= 0 {
			return p, v.errAtPath("$.verify.timeout", "verify.timeout %q is not a positive duration like 90s or 10m", f.Verify.Timeout)
		}
		p.VerifyTimeout = d
	}
	p.AllowRedirects = f.Verify.AllowRedirects
	return p, nil
}

func (v *validator) errAtPath(path, format string, a ...any) error {
	return &Error{Path: v.path, Line: lineOf(v.ast, path), Msg: fmt.Sprintf(format, a...)}
}
