package ens

import (
	"errors"
	"fmt"
	"strings"

	"github.com/adraffy/go-ens-normalize/ensip15"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// ErrInvalidName is returned for names that ENSIP-15 refuses; the wrapped
// message says why (disallowed character, confusable, illegal mixture, ...).
var ErrInvalidName = errors.New("invalid ENS name")

// Normalize returns the ENSIP-15 normalised form of name, or an error saying
// why the name is refused. It does not trim spaces: a name with spaces is
// invalid, and callers that read user input trim it first.
func Normalize(name string) (string, error) {
	norm, err := ensip15.Shared().Normalize(name)
	if err != nil {
		return "", fmt.Errorf("%w %q: %w", ErrInvalidName, name, err)
	}
	return norm, nil
}

// Namehash is the ENSIP-1 node of an already normalised name: labels hashed
// from right to left, node("") = 32 zero bytes.
func Namehash(normalized string) common.Hash {
	var node common.Hash
	if normalized == "" {
		return node
	}
	labels := strings.Split(normalized, ".")
	for i := len(labels) - 1; i >= 0; i-- {
		label := crypto.Keccak256([]byte(labels[i]))
		node = crypto.Keccak256Hash(node[:], label)
	}
	return node
}

// NormalizedNode normalises name and returns it with its namehash; an empty
// name (the root) is refused because nobody points the root at a website.
func NormalizedNode(name string) (string, common.Hash, error) {
	norm, err := Normalize(name)
	if err != nil {
		return "", common.Hash{}, err
	}
	if norm == "" {
		return "", common.Hash{}, fmt.Errorf("%w: empty name", ErrInvalidName)
	}
	return norm, Namehash(norm), nil
}
