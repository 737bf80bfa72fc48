package local

// SharedLock exposes the lock Pin holds while it stores a version.
func (s *Store) SharedLock() (func(), error) { return s.sharedLock() }
