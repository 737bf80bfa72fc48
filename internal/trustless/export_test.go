package trustless

// ParsePB exposes the dag-pb parser to the external tests (FuzzDagPB).
var ParsePB = parsePB
