package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/verify"
	"github.com/ipfs/go-cid"
	"github.com/urfave/cli/v2"
)

// Flags for commands that accept an ENS name (verify, serve): the same set
// as the ens commands (ens_conn.go).
func nameFlags() []cli.Flag { return ensConnFlags() }

// target is what the user asked for: a CID, or a name and what it points to.
type target struct {
	Name    string  // "" for a CID
	Root    cid.Cid // the IPFS root, or
	Arweave string  // the Arweave manifest transaction id (ar://)
}

// what names the target in messages.
func (t target) what() string {
	s := t.Root.String()
	if t.Arweave != "" {
		s = "ar://" + t.Arweave
	}
	if t.Name != "" {
		s = t.Name + " -> " + s
	}
	return s
}

// looksLikeName reports whether arg is meant as an ENS name, not a CID.
func looksLikeName(arg string) bool {
	return strings.Contains(arg, ".") && !strings.Contains(arg, "/")
}

// parseTarget reads CID, ipfs://CID, /ipfs/CID, ar://TXID (if arweave), or
// an ENS name, which it resolves through the --rpc node.
func parseTarget(c *cli.Context, arg string, arweave bool) (target, error) {
	if !looksLikeName(arg) {
		content, err := ens.ParseContent(arg)
		if err != nil {
			return target{}, usageErr("pass a CID (bafy...), ipfs://CID, /ipfs/CID or an ENS name such as app.eth", "%q is neither a CID nor a name: %v", arg, err)
		}
		return contentTarget("", content, arweave)
	}
	ec, rpc, err := ensClient(c)
	if err != nil {
		return target{}, err
	}
	content, err := resolveENS(c.Context, ec, arg, rpc)
	if err != nil {
		return target{}, err
	}
	return contentTarget(arg, content, arweave)
}

func contentTarget(name string, content ens.Content, arweave bool) (target, error) {
	what := content.String()
	if name != "" {
		what = fmt.Sprintf("ENS name %s points to %s, which", name, content)
	}
	switch {
	case content.Namespace == ens.IPFS:
		return target{Name: name, Root: content.CID}, nil
	case content.Namespace == ens.Arweave && arweave:
		return target{Name: name, Arweave: base64.RawURLEncoding.EncodeToString(content.ArweaveTx)}, nil
	case content.Namespace == ens.Arweave:
		return target{}, usageErr("check it with `dapp-publish verify`, which reads ar:// content", "%s is Arweave content: only IPFS content is served here", what)
	}
	return target{}, usageErr("pass an IPFS CID or ar://TXID, or an ENS name pointing to one", "%s is %s content, which is not supported here", what, content.Namespace)
}

// ensClient connects to ENS with the run's ENS settings (dialENS).
func ensClient(c *cli.Context) (*ens.Client, string, error) {
	set, err := resolveENSSettings(c)
	if err != nil {
		return nil, "", err
	}
	conn, err := dialENS(c, set, 0)
	if err != nil {
		return nil, "", err
	}
	return conn.Client, rpcShown(set), nil
}

// ensResolver returns a NameResolver for IPFS content, reading ENS through --rpc.
func ensResolver(c *cli.Context) (verify.NameResolver, error) {
	ec, rpc, err := ensClient(c)
	if err != nil {
		return nil, err
	}
	return verify.NameResolverFunc(func(ctx context.Context, name string) (cid.Cid, error) {
		content, err := resolveENS(ctx, ec, name, rpc)
		if err != nil {
			return cid.Undef, err
		}
		t, err := contentTarget(name, content, false)
		return t.Root, err
	}), nil
}

// resolveENS reads name's contenthash; rpc is the endpoint as shown.
func resolveENS(ctx context.Context, ec *ens.Client, name, rpc string) (ens.Content, error) {
	_, content, err := ec.Get(ctx, name)
	switch {
	case errors.Is(err, ens.ErrNoResolver):
		return content, withHint(fmt.Errorf("ENS name %s: %w", name, err), "check the spelling; if the name is yours, set a resolver (e.g. the public resolver) and point its contenthash at the site")
	case err != nil:
		return content, withHint(fmt.Errorf("failed to read the contenthash of %s via %s: %w", name, rpc, err), "check the name, --rpc / ETH_RPC_URL and --registry")
	case content.IsZero():
		return content, withHint(fmt.Errorf("ENS name %s has no contenthash", name), "point it at the site first: dapp-publish ens set "+name+" CID")
	}
	return content, nil
}
