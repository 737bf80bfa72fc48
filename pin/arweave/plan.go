package arweave

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"runtime"
	"sync"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
	"github.com/dapp-publish/dapp-publish/pin/arweave/carsite"
)

// Tags dapp-publish puts on what it stores. File-Hash is what arkb uses for
// the same purpose, so its uploads dedupe against each other's.
const (
	tagAppName     = "App-Name"
	appName        = "dapp-publish"
	tagContentType = "Content-Type"
	tagFileHash    = "File-Hash" // hex SHA-256 of the data
	tagType        = "Type"      // "manifest" or "ipfs-car"
	tagIPFSRoot    = "IPFS-Root"
	tagIPFSProfile = "IPFS-Profile"
	tagCARTx       = "IPFS-CAR" // on the manifest: the CAR's id

	typeManifest = "manifest"
	typeCAR      = "ipfs-car"
	carType      = "application/vnd.ipld.car; version=1"
)

// item is one thing to store: a file, the CAR or the manifest.
type item struct {
	what string // for messages: a path, "the CAR", "the manifest"
	size int64
	sum  [32]byte     // SHA-256 of the content
	tree *artx.Tree   // chunk tree (uploader arweave)
	dig  *artx.Digest // deep hash of the data (uploader turbo)
	tags []artx.Tag
	open func() (io.Reader, error) // a fresh reader over the content
	sent func(int64)               // progress, or nil

	id     string   // the transaction or data item id, once stored
	cost   *big.Int // fee of the transaction that holds it (nil: reused)
	reused bool
}

func (it *item) fileHash() string { return hex.EncodeToString(it.sum[:]) }

// publish stores what is not stored yet: files (and the CAR) in parallel,
// then the manifest, last, so that a manifest always means a complete copy.
func (p *Provider) publish(ctx context.Context, site *carsite.Site, b pin.Bundle) (*Copy, error) {
	files, err := p.fileItems(ctx, site)
	if err != nil {
		return nil, err
	}
	car, err := p.carItem(b, site)
	if err != nil {
		return nil, err
	}
	if err := p.dedupe(ctx, files); err != nil {
		return nil, err
	}
	todo, same := p.toStore(car, files)
	if err := p.fund(ctx, todo, len(files)); err != nil {
		return nil, err
	}
	if err := p.storeAll(ctx, todo); err != nil {
		return nil, err
	}
	for dup, first := range same {
		dup.id = first.id
	}
	man, paths, err := p.manifestItem(site, files, car, b)
	if err != nil {
		return nil, err
	}
	if err := p.store(ctx, man); err != nil {
		return nil, err
	}
	posted := append(todo, man)
	// With no confirmations asked for, the node accepting each post is
	// enough for the files; the CAR and the manifest are asked for again.
	wait := posted
	if p.cfg.Confirmations == 0 {
		wait = []*item{car, man}
	}
	if err := p.await(ctx, wait); err != nil {
		return nil, err
	}
	p.forget(posted)
	c := &Copy{Manifest: man.id, CAR: car.id, Files: paths, Cost: new(big.Int)}
	for _, it := range posted {
		if it.cost != nil {
			c.Cost.Add(c.Cost, it.cost)
		}
	}
	for _, f := range files {
		if f.reused {
			c.Reused++
		}
	}
	return c, nil
}

// toStore lists what must be stored: the CAR, and each file not reused,
// once per content (a file with the same bytes and type as another is
// stored once; same maps it to the one stored).
func (p *Provider) toStore(car *item, files []*item) (todo []*item, same map[*item]*item) {
	todo, same = []*item{car}, map[*item]*item{}
	byContent := map[string]*item{}
	for _, f := range files {
		if f.reused {
			continue
		}
		key := f.fileHash() + "\x00" + contentTypeOf(f)
		if first, ok := byContent[key]; ok {
			same[f] = first
			continue
		}
		byContent[key] = f
		todo = append(todo, f)
	}
	return todo, same
}

// fileItems reads every file out of the CAR once, in parallel: its SHA-256
// and, for transactions, its chunk tree (32 bytes per 256 KiB).
func (p *Provider) fileItems(ctx context.Context, site *carsite.Site) ([]*item, error) {
	items := make([]*item, len(site.Files))
	for i, f := range site.Files {
		items[i] = &item{what: f.Path, size: f.Size, open: func() (io.Reader, error) { return site.Open(ctx, f) },
			tags: []artx.Tag{{Name: tagContentType, Value: contentType(f.Path)}}}
	}
	err := parallel(ctx, runtime.GOMAXPROCS(0), items, func(it *item) error { return p.hash(it) })
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		it.tags = append(it.tags, artx.Tag{Name: tagFileHash, Value: it.fileHash()}, artx.Tag{Name: tagAppName, Value: appName})
	}
	return items, nil
}

// hash reads an item once for its SHA-256 and, for transactions, its
// chunk tree. The item must hold exactly its size in bytes.
func (p *Provider) hash(it *item) error {
	r, err := it.open()
	if err == nil {
		h := sha256.New()
		if p.turbo != nil { // a data item's signature covers the deep hash of its data
			bh := artx.NewBlobHasher()
			var n int64
			if n, err = io.CopyBuffer(io.MultiWriter(h, bh), r, make([]byte, 256<<10)); err == nil && n != it.size {
				err = fmt.Errorf("%d bytes, not the %d its size says", n, it.size)
			}
			d := bh.Digest()
			it.dig = &d
		} else if it.tree, err = artx.BuildTree(io.TeeReader(r, h), it.size); err == nil {
			err = atEOF(r)
		}
		copy(it.sum[:], h.Sum(nil))
	}
	if err != nil {
		return pin.Permanent(fmt.Errorf("%s: reading %s from the CAR: %w", p.name, it.what, err))
	}
	return nil
}

// atEOF checks a file's DAG holds no more bytes than its size says.
func atEOF(r io.Reader) error {
	var b [1]byte
	if n, err := r.Read(b[:]); n > 0 || (err != nil && !errors.Is(err, io.EOF)) {
		return fmt.Errorf("the file holds more bytes than its size (%v)", err)
	}
	return nil
}

func (p *Provider) carItem(b pin.Bundle, site *carsite.Site) (*item, error) {
	it := &item{what: "the CAR", size: b.Size, sent: b.Progress,
		open: func() (io.Reader, error) { return io.NewSectionReader(b.CAR, 0, b.Size), nil }}
	if err := p.hash(it); err != nil {
		return nil, err
	}
	it.tags = []artx.Tag{{Name: tagContentType, Value: carType}, {Name: tagType, Value: typeCAR},
		{Name: tagIPFSRoot, Value: b.Root.String()}}
	if prof := site.Profile(); prof != "" {
		it.tags = append(it.tags, artx.Tag{Name: tagIPFSProfile, Value: prof})
	}
	it.tags = append(it.tags, artx.Tag{Name: tagFileHash, Value: it.fileHash()}, artx.Tag{Name: tagAppName, Value: appName})
	return it, nil
}

// manifestItem builds the path manifest over the stored files.
func (p *Provider) manifestItem(site *carsite.Site, files []*item, car *item, b pin.Bundle) (*item, map[string]string, error) {
	paths := map[string]string{}
	for _, f := range files {
		paths[f.what] = f.id
	}
	index, fallback, err := p.entryPoints(paths)
	if err != nil {
		return nil, nil, pin.Permanent(fmt.Errorf("%s: %w", p.name, err))
	}
	m, err := artx.NewManifest(paths, index, fallback)
	if err != nil {
		return nil, nil, pin.Permanent(fmt.Errorf("%s: %w", p.name, err))
	}
	data := m.Marshal()
	it := &item{what: "the manifest", size: int64(len(data)), sum: sha256.Sum256(data),
		open: func() (io.Reader, error) { return bytes.NewReader(data), nil }}
	if p.turbo == nil {
		it.tree, _ = artx.BuildTree(bytes.NewReader(data), it.size)
	} else {
		d := artx.DeepHash(data)
		it.dig = &d
	}
	it.tags = []artx.Tag{{Name: tagContentType, Value: artx.ManifestContentType}, {Name: tagType, Value: typeManifest},
		{Name: tagIPFSRoot, Value: b.Root.String()}}
	if prof := site.Profile(); prof != "" {
		it.tags = append(it.tags, artx.Tag{Name: tagIPFSProfile, Value: prof})
	}
	it.tags = append(it.tags, artx.Tag{Name: tagCARTx, Value: car.id}, artx.Tag{Name: tagAppName, Value: appName})
	return it, paths, nil
}

// entryPoints picks the manifest's index and fallback paths.
func (p *Provider) entryPoints(paths map[string]string) (index, fallback string, err error) {
	index = p.cfg.Index
	if index == "" {
		if _, ok := paths[DefaultIndex]; ok {
			index = DefaultIndex
		}
	} else if _, ok := paths[index]; !ok {
		return "", "", fmt.Errorf("index %q is not a file of the site", index)
	}
	switch fallback = p.cfg.Fallback; fallback {
	case "none":
		fallback = ""
	case "":
		fallback = index
	default:
		if _, ok := paths[fallback]; !ok {
			return "", "", fmt.Errorf("fallback %q is not a file of the site", fallback)
		}
	}
	return index, fallback, nil
}

// storeAll stores items with cfg.Concurrency uploads at once, the largest
// (the CAR) first.
func (p *Provider) storeAll(ctx context.Context, items []*item) error {
	return parallel(ctx, p.cfg.ParallelUploads, items, func(it *item) error { return p.store(ctx, it) })
}

// forget drops the journal entries of a finished copy.
func (p *Provider) forget(items []*item) {
	for _, it := range items {
		p.jr.done(journalKey(p.cfg.Uploader, it.sum, it.size, it.tags))
	}
}

func (p *Provider) store(ctx context.Context, it *item) error {
	if p.turbo != nil {
		return p.storeItem(ctx, it)
	}
	return p.storeTx(ctx, it)
}

// parallel runs fn on every item with n at once; the first error cancels
// the rest and is returned.
func parallel(ctx context.Context, n int, items []*item, fn func(*item) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, max(n, 1))
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for _, it := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(it); err != nil {
				once.Do(func() { first = err; cancel(err) })
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return context.Cause(ctx)
}
