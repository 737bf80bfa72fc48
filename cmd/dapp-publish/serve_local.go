package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dapp-publish/dapp-publish/pin/local"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/dapp-publish/dapp-publish/verify"
	"github.com/ipfs/go-cid"
	"github.com/urfave/cli/v2"
)

// lastPublished is what `serve` with no CID, no --gateway and no --car
// shows: the site of the newest published Record in the state folder
// (.dapp-publish, or $DAPP_PUBLISH_STATE_DIR), from the local store when it
// holds it and from the gateways that verified it. ok is false when there is
// no such Record; serve then runs as before.
func lastPublished(c *cli.Context) (srcs []verify.BlockGetter, t target, closeFn func(), ok bool, err error) {
	if c.NArg() != 0 || c.IsSet("gateway") || c.IsSet("car") {
		return nil, t, nil, false, nil
	}
	dir := os.Getenv("DAPP_PUBLISH_STATE_DIR")
	if dir == "" {
		dir = ".dapp-publish"
	}
	rec, err := publish.LastPublished(recordsOf(dir))
	if err != nil || rec == nil {
		return nil, t, nil, false, err
	}
	root, err := cid.Decode(rec.CID)
	if err != nil {
		return nil, t, nil, false, fmt.Errorf("the last record in %s names a bad CID: %w", dir, err)
	}
	closeFn = func() {}
	if _, serr := os.Stat(filepath.Join(dir, "blocks")); serr == nil {
		s, err := local.Open(dir)
		if err != nil {
			return nil, t, nil, false, err
		}
		if held, _ := s.Pinned(root); held {
			srcs, closeFn = append(srcs, s), func() { s.Close() }
		} else {
			s.Close()
		}
	}
	for _, v := range rec.Verification {
		// The local holder's gateway lived as long as the publish run.
		if v.OK && v.Holder != local.Type && (v.Mode == "car" || v.Mode == "raw") && strings.HasPrefix(v.Source, "http") {
			srcs = append(srcs, &verify.Gateway{URL: v.Source})
		}
	}
	if len(srcs) == 0 {
		closeFn()
		return nil, t, nil, false, nil
	}
	fmt.Fprintf(c.App.ErrWriter, "serving the last published site %s (from %s)\n", root, describeSources(srcs))
	return srcs, target{Root: root}, closeFn, true, nil
}

func describeSources(srcs []verify.BlockGetter) string {
	var names []string
	for _, s := range srcs {
		names = append(names, s.String())
	}
	return strings.Join(names, ", ")
}
