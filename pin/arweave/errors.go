package arweave

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/arweave/arapi"
)

// ErrInsufficientFunds means the wallet cannot pay for the upload.
// Permanent.
var ErrInsufficientFunds = errors.New("insufficient funds")

// FundsError says whose wallet is short, and by how much.
type FundsError struct {
	Address string
	Balance *big.Int // winston
	Needed  *big.Int // winston
	Uploads int      // transactions to pay for
}

func (e *FundsError) Error() string {
	short := new(big.Int).Sub(e.Needed, e.Balance)
	return fmt.Sprintf("wallet %s holds %s AR (%s winston), but storing %d transactions needs %s AR (%s winston): send at least %s AR to %s",
		e.Address, AR(e.Balance), e.Balance, e.Uploads, AR(e.Needed), e.Needed, AR(short), e.Address)
}

func (e *FundsError) Unwrap() error { return ErrInsufficientFunds }

// AR formats winston as AR (10^12 winston), without trailing zeros.
func AR(w *big.Int) string {
	q, r := new(big.Int).QuoRem(w, big.NewInt(1e12), new(big.Int))
	if r.Sign() == 0 {
		return q.String()
	}
	frac := strings.TrimRight(fmt.Sprintf("%012d", r.Int64()), "0")
	return q.String() + "." + frac
}

// classify marks an error from the gateway or the upload service as
// permanent or transient for pin.Retry.
func (p *Provider) classify(err error) error {
	var ae *arapi.Error
	var ne *arapi.NetError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.As(err, &ae) && ae.Temporary():
		return pin.Transient(err, ae.RetryAfter)
	case errors.As(err, &ae):
		return pin.Permanent(err)
	case errors.As(err, &ne):
		return pin.Transient(err, 0)
	}
	return err
}

// gatewayError words an error of a call to the gateway for the person
// running the tool.
func (p *Provider) gatewayError(what string, err error) error {
	var ne *arapi.NetError
	if errors.As(err, &ne) {
		return p.classify(fmt.Errorf("%s: cannot reach the Arweave gateway %s (%s); check gateway: in the config and the network: %w",
			p.name, p.cfg.Gateway, what, err))
	}
	return p.classify(fmt.Errorf("%s: %s: %w", p.name, what, err))
}
