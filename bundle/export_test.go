package bundle

// Planned reports whether b's CAR was written in one pass in its planned
// layout, without moving a block.
func Planned(b *Bundle) bool { return b.planned }
