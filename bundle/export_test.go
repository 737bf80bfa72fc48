package bundle

// Planned reports whether b's CAR was written in one pass in its planned
// layout, without moving a block.
func Planned(b *Bundle) bool { return b.planned }

// SetBatchLeaves forces raw leaves to be hashed in batches (on) or as they
// are read (off), whatever the CPU, until restore is called.
func SetBatchLeaves(on bool) (restore func()) {
	old := batchLeaves
	batchLeaves = batchOff
	if on {
		batchLeaves = batchOn
	}
	return func() { batchLeaves = old }
}
