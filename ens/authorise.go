package ens

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rpc"
)

// NotAuthorisedError says that an address may not write a name's records,
// and who may: it is returned before anything is signed.
type NotAuthorisedError struct {
	Name     string
	Signer   common.Address
	Owner    common.Address // effective owner (NameWrapper.ownerOf for wrapped names)
	Wrapped  bool
	Resolver common.Address
}

func (e *NotAuthorisedError) Error() string {
	who := "the registry owner " + e.Owner.Hex()
	if e.Wrapped {
		who = "the NameWrapper owner " + e.Owner.Hex()
	}
	if e.Owner == (common.Address{}) {
		who = "nobody (the name has no owner or its wrapped registration expired)"
	}
	return fmt.Sprintf("%s may not write records of %s: only %s, or an operator or delegate it approved on resolver %s, may",
		e.Signer.Hex(), e.Name, who, e.Resolver.Hex())
}

// Authorise checks, with read-only calls, that signer may call
// setContenthash on the record's resolver, following PublicResolver's
// isAuthorised: the (effective) owner itself, an operator approved with
// setApprovalForAll, a delegate approved for this node with approve, or (for
// resolvers that predate NameWrapper) an address given setAuthorisation.
func (c *Client) Authorise(ctx context.Context, r *Record, signer common.Address) error {
	if r.Owner != (common.Address{}) && signer == r.Owner {
		return nil
	}
	if r.Owner != (common.Address{}) {
		checks := []struct {
			method string
			args   []any
		}{
			{"isApprovedForAll", []any{r.Owner, signer}},
			{"isApprovedFor", []any{r.Owner, r.Node, signer}},
			{"authorisations", []any{r.Node, r.Owner, signer}},
		}
		for _, ch := range checks {
			ok, err := c.optionalBool(ctx, r.Resolver, ch.method, ch.args...)
			if err != nil {
				return fmt.Errorf("failed to check %s on resolver %s: %w", ch.method, r.Resolver.Hex(), err)
			}
			if ok {
				return nil
			}
		}
	}
	return &NotAuthorisedError{Name: r.Name, Signer: signer, Owner: r.Owner, Wrapped: r.Wrapped, Resolver: r.Resolver}
}

// optionalBool calls a view function that not every resolver has: a revert
// or an undecodable answer means "no", a transport error is returned.
func (c *Client) optionalBool(ctx context.Context, resolver common.Address, method string, args ...any) (bool, error) {
	var ok bool
	err := c.call(ctx, resolver, resolverABI, method, &ok, args...)
	if err == nil {
		return ok, nil
	}
	if isRevert(err) || !isTransport(err) {
		return false, nil
	}
	return false, err
}

// isRevert reports whether err is the node telling us the call reverted.
func isRevert(err error) bool {
	var de rpc.DataError
	if errors.As(err, &de) {
		return true
	}
	return strings.Contains(err.Error(), "revert")
}

// isTransport reports whether err came from talking to the node (as opposed
// to decoding its answer).
func isTransport(err error) bool {
	var re rpc.Error
	if errors.As(err, &re) {
		return true
	}
	var he rpc.HTTPError
	if errors.As(err, &he) {
		return true
	}
	return !strings.Contains(err.Error(), "abi:")
}
