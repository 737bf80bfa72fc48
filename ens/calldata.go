package ens

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// TxBuilderFile is the Safe Transaction Builder batch format (safe-react-apps
// tx-builder BatchFile), so signers can load the exact call into the Safe app.
type TxBuilderFile struct {
	Version      string          `json:"version"`
	ChainID      string          `json:"chainId"`
	CreatedAt    int64           `json:"createdAt"`
	Meta         TxBuilderMeta   `json:"meta"`
	Transactions []TxBuilderCall `json:"transactions"`
}

// TxBuilderMeta describes the batch.
type TxBuilderMeta struct {
	Name                   string `json:"name"`
	Description            string `json:"description"`
	TxBuilderVersion       string `json:"txBuilderVersion"`
	CreatedFromSafeAddress string `json:"createdFromSafeAddress"`
}

// TxBuilderCall is one call; contractMethod and contractInputsValues let the
// app show the decoded arguments next to the raw data.
type TxBuilderCall struct {
	To                   string            `json:"to"`
	Value                string            `json:"value"`
	Data                 string            `json:"data"`
	ContractMethod       txBuilderMethod   `json:"contractMethod"`
	ContractInputsValues map[string]string `json:"contractInputsValues"`
}

type txBuilderMethod struct {
	Inputs  []txBuilderInput `json:"inputs"`
	Name    string           `json:"name"`
	Payable bool             `json:"payable"`
}

type txBuilderInput struct {
	InternalType string `json:"internalType"`
	Name         string `json:"name"`
	Type         string `json:"type"`
}

// NewTxBuilderFile describes ch as a one-call batch for the Safe at safe
// (zero if unknown).
func NewTxBuilderFile(ch *Change, safe common.Address, createdAt time.Time) *TxBuilderFile {
	f := &TxBuilderFile{
		Version: "1.0", ChainID: ch.ChainID.String(), CreatedAt: createdAt.UnixMilli(),
		Meta: TxBuilderMeta{
			Name:             "ENS " + ch.Record.Name + ": set contenthash",
			Description:      fmt.Sprintf("%s: %s -> %s", ch.Record.Name, describe(ch), ch.New),
			TxBuilderVersion: "1.18.0",
		},
		Transactions: []TxBuilderCall{{
			To: ch.Record.Resolver.Hex(), Value: "0", Data: hexutil.Encode(ch.Calldata),
			ContractMethod: txBuilderMethod{Name: "setContenthash", Inputs: []txBuilderInput{
				{InternalType: "bytes32", Name: "node", Type: "bytes32"},
				{InternalType: "bytes", Name: "hash", Type: "bytes"},
			}},
			ContractInputsValues: map[string]string{"node": ch.Record.Node.Hex(), "hash": hexutil.Encode(ch.New.Contenthash())},
		}},
	}
	if safe != (common.Address{}) {
		f.Meta.CreatedFromSafeAddress = safe.Hex()
	}
	return f
}

// JSON returns the file as indented JSON.
func (f *TxBuilderFile) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // keep "->" readable for people who open the file
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("failed to encode the Transaction Builder file: %w", err)
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// describe is the old value as text: decoded, "unset", or raw hex when it is
// in a namespace this tool does not decode.
func describe(ch *Change) string {
	switch {
	case !ch.Old.IsZero():
		return ch.Old.String()
	case len(ch.OldRaw) == 0:
		return "unset"
	default:
		return "0x" + common.Bytes2Hex(ch.OldRaw) + " (undecoded)"
	}
}

// SummaryInput is what a signer's summary shows besides the change itself.
type SummaryInput struct {
	Commit   string        // source commit of the bundle, if known
	Proposal *SafeProposal // set when proposed through a Safe
}

// Summary renders a Markdown page for the people who approve the change:
// which content replaces which, links to open both, the commit, and the exact
// call, so they can check it without trusting this tool.
func Summary(ch *Change, in SummaryInput) string {
	var b strings.Builder
	r := ch.Record
	fmt.Fprintf(&b, "# ENS update: `%s`\n\n", r.Name)
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| Name | `%s` (node `%s`) |\n", r.Name, r.Node.Hex())
	fmt.Fprintf(&b, "| Chain id | %s |\n", ch.ChainID)
	fmt.Fprintf(&b, "| Resolver | `%s` |\n", r.Resolver.Hex())
	fmt.Fprintf(&b, "| Who may write | `%s`%s |\n", r.Owner.Hex(), wrappedNote(r))
	fmt.Fprintf(&b, "| Current | `%s` |\n", describe(ch))
	fmt.Fprintf(&b, "| New | `%s` |\n", ch.New)
	if in.Commit != "" {
		fmt.Fprintf(&b, "| Commit | `%s` |\n", in.Commit)
	}
	b.WriteString("\n## Open both\n\n")
	writeLinks(&b, "Current", ch.Old)
	writeLinks(&b, "New", ch.New)
	b.WriteString("\n## The call\n\n")
	fmt.Fprintf(&b, "- to: `%s` (resolver)\n- value: 0\n- function: `setContenthash(bytes32 node, bytes hash)` (selector `0x304e6ade`)\n", r.Resolver.Hex())
	fmt.Fprintf(&b, "- node: `%s`\n- hash: `%s` = `%s`\n", r.Node.Hex(), hexutil.Encode(ch.New.Contenthash()), ch.New)
	fmt.Fprintf(&b, "- calldata:\n\n```\n%s\n```\n", hexutil.Encode(ch.Calldata))
	if p := in.Proposal; p != nil {
		fmt.Fprintf(&b, "\n## Safe proposal\n\n- Safe: `%s`\n- nonce: %s\n- safeTxHash: `%s`\n- proposed by: `%s`\n- threshold: %d\n",
			p.Safe.Hex(), p.Tx.Nonce, p.SafeTxHash.Hex(), p.Sender.Hex(), p.Threshold)
	}
	fmt.Fprintf(&b, "\nAfter execution, check with `dapp-publish ens get %s`.\n", r.Name)
	return b.String()
}

func wrappedNote(r *Record) string {
	if r.Wrapped {
		return " (NameWrapper owner), or an operator/delegate it approved on the resolver"
	}
	return " (registry owner), or an operator/delegate it approved on the resolver"
}

func writeLinks(b *strings.Builder, label string, c Content) {
	links := c.GatewayLinks()
	if len(links) == 0 {
		fmt.Fprintf(b, "- %s: (nothing to open)\n", label)
		return
	}
	fmt.Fprintf(b, "- %s: %s\n", label, strings.Join(links, " · "))
}

// SetContenthashCalldata is the call that points the name whose node is
// given at c: setContenthash(node, contenthash) on the name's resolver. It
// needs no chain: anyone can check it against the name and the CID.
func SetContenthashCalldata(node common.Hash, c Content) ([]byte, error) {
	return resolverABI.Pack("setContenthash", node, c.Contenthash())
}
