package bundle

import (
	"fmt"
	"sort"
	"strings"

	mdag "github.com/ipfs/boxo/ipld/merkledag"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// Profile names a complete set of UnixFS DAG settings (IPIP-499). Two
// implementations that use the same profile compute the same root CID for the
// same folder. The profile's name is recorded in every Manifest.
//
// Profiles are plain values passed down explicitly: Pack never touches boxo's
// process-global defaults (chunk.DefaultBlockSize, io.HAMTShardingSize, ...),
// so bundles with different profiles can be built concurrently in one process.
type Profile struct {
	Name       string
	CIDVersion int
	RawLeaves  bool
	ChunkSize  int64 // bytes per leaf
	FileWidth  int   // links per file DAG node (balanced layout)

	HAMTThreshold  int                    // directories above this estimated size become HAMT shards
	HAMTEstimation uio.SizeEstimationMode // how that size is estimated
	HAMTFanout     int                    // links per HAMT shard node
}

// The named profiles. DefaultProfile is the one to use unless a CID must match
// an older CIDv0 publication.
var (
	ProfileV1_2025 = fromBoxo("unixfs-v1-2025", uio.UnixFS_v1_2025)
	ProfileV0_2015 = fromBoxo("unixfs-v0-2015", uio.UnixFS_v0_2015)

	DefaultProfile = ProfileV1_2025
)

func fromBoxo(name string, p uio.UnixFSProfile) Profile {
	return Profile{
		Name:           name,
		CIDVersion:     p.CIDVersion,
		RawLeaves:      p.RawLeaves,
		ChunkSize:      p.ChunkSize,
		FileWidth:      p.FileDAGWidth,
		HAMTThreshold:  p.HAMTShardingSize,
		HAMTEstimation: p.HAMTSizeEstimation,
		HAMTFanout:     p.HAMTShardWidth,
	}
}

var profiles = map[string]Profile{
	ProfileV1_2025.Name: ProfileV1_2025,
	ProfileV0_2015.Name: ProfileV0_2015,
}

// ProfileNames lists the known profile names, sorted.
func ProfileNames() []string {
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupProfile returns the profile with the given name.
func LookupProfile(name string) (Profile, error) {
	p, ok := profiles[name]
	if !ok {
		return Profile{}, fmt.Errorf("unknown profile %q (known: %s)", name, strings.Join(ProfileNames(), ", "))
	}
	return p, nil
}

// cidBuilder returns the builder for dag-pb nodes of this profile. Raw leaves
// take the same prefix with the raw codec (boxo's NewRawNodeWPrefix).
func (p Profile) cidBuilder() cid.Builder {
	if p.CIDVersion == 0 {
		return mdag.V0CidPrefix()
	}
	return cid.Prefix{Version: 1, Codec: cid.DagProtobuf, MhType: mh.SHA2_256, MhLength: -1}
}
