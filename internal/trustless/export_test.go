package trustless

// ParsePB exposes the dag-pb parser to the external tests (FuzzDagPB).
var ParsePB = parsePB

// SetSlabs sets the size of the first slab and the largest, and returns a
// function that restores them.
func SetSlabs(first, size int) (restore func()) {
	f, s := firstSlab, slabSize
	firstSlab, slabSize = first, size
	return func() { firstSlab, slabSize = f, s }
}
