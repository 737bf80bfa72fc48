package filecoin

import (
	"fmt"
	"math/big"
	"strings"
)

// Epochs: 30 s each (synapse-core TIME_CONSTANTS).
const (
	epochsPerDay = 2880
	lockupEpochs = 30 * epochsPerDay // FWSS's default lockup period: 30 days
)

var tib = new(big.Int).Lsh(big.NewInt(1), 40)

// Quote is what storing a piece costs and whether the account can pay it.
type Quote struct {
	ProviderID   uint64
	ServiceURL   string
	DataSetID    uint64 // 0: a new data set
	PaddedSize   uint64
	RatePerEpoch *big.Int // added to the account's payment rate
	RatePerMonth *big.Int
	Lockup       *big.Int // added to the account's lockup (30 days of the rate)
	Deposit      *big.Int // to deposit into FilecoinPay this run
	Spend        *big.Int // Lockup + Deposit: what this run commits
	RunwayDays   int64    // days the account pays for after this run
	Wallet       *big.Int
	Funds        *big.Int // in FilecoinPay, before this run
	NeedApproval bool     // FWSS must be approved (or allowed more) as operator
}

// String shows the cost the way a person reviews it.
func (q Quote) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "storage provider %d, ", q.ProviderID)
	if q.DataSetID == 0 {
		b.WriteString("a new data set, ")
	} else {
		fmt.Fprintf(&b, "data set %d, ", q.DataSetID)
	}
	fmt.Fprintf(&b, "%d padded bytes: %s a month, lockup %s", q.PaddedSize, FormatUSDFC(q.RatePerMonth), FormatUSDFC(q.Lockup))
	if q.Deposit.Sign() > 0 {
		fmt.Fprintf(&b, ", deposit %s", FormatUSDFC(q.Deposit))
	}
	fmt.Fprintf(&b, "; runway after it %d days", q.RunwayDays)
	return b.String()
}

// price computes the quote for a piece of padded bytes added to an account
// a (a new data set when dataSet is 0), keeping minRunwayDays of runway.
func price(pr pricing, a account, padded uint64, dataSet uint64, minRunwayDays int) Quote {
	q := Quote{DataSetID: dataSet, PaddedSize: padded, Wallet: a.Wallet, Funds: a.Funds}
	rate := new(big.Int).Mul(pr.PricePerTiBPerMonthNoCDN, new(big.Int).SetUint64(padded))
	rate.Quo(rate, tib)
	month := new(big.Int).Set(rate)
	rate.Quo(rate, pr.EpochsPerMonth)
	// FWSS charges the difference of the data set's rate before and after
	// (each rounded down), which can be one unit more than the piece's own
	// rate: quote that unit too, so the allowance and lockup always cover it.
	rate.Add(rate, big.NewInt(1))
	if dataSet == 0 && pr.DatasetFeePerMonth != nil {
		month.Add(month, pr.DatasetFeePerMonth)
		rate.Add(rate, new(big.Int).Quo(pr.DatasetFeePerMonth, pr.EpochsPerMonth))
	}
	q.RatePerEpoch, q.RatePerMonth = rate, month
	q.Lockup = new(big.Int).Mul(rate, big.NewInt(lockupEpochs))

	// After the run: funds not locked must pay minRunwayDays at the new rate.
	totalRate := new(big.Int).Add(a.LockupRate, rate)
	free := new(big.Int).Sub(a.Funds, a.LockupCurrent)
	free.Sub(free, q.Lockup)
	need := new(big.Int).Mul(totalRate, big.NewInt(int64(minRunwayDays)*epochsPerDay))
	q.Deposit = new(big.Int)
	if free.Cmp(need) < 0 {
		q.Deposit.Sub(need, free)
		free.Set(need)
	}
	if totalRate.Sign() > 0 {
		q.RunwayDays = new(big.Int).Quo(free, new(big.Int).Mul(totalRate, big.NewInt(epochsPerDay))).Int64()
	} else {
		q.RunwayDays = -1 // nothing to pay
	}
	q.Spend = new(big.Int).Add(q.Lockup, q.Deposit)
	q.NeedApproval = !a.Approved ||
		new(big.Int).Add(a.RateUsage, rate).Cmp(a.RateAllowance) > 0 ||
		new(big.Int).Add(a.LockUp, q.Lockup).Cmp(a.LockupAllowance) > 0
	return q
}

// stored is the quote for a piece the data set holds already: nothing to
// add, pay or deposit.
func stored(q Quote) Quote {
	z := func() *big.Int { return new(big.Int) }
	q.RatePerEpoch, q.RatePerMonth, q.Lockup, q.Deposit, q.Spend, q.NeedApproval = z(), z(), z(), z(), z(), false
	return q
}
