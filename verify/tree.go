package verify

import "github.com/dapp-publish/dapp-publish/internal/trustless"

// sameContent compares CIDs by codec and multihash, so that a CIDv0 and its
// CIDv1 dag-pb form count as the same block.
var sameContent = trustless.SameContent
