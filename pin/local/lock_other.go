//go:build !unix

package local

// lockPath does nothing where flock is not available; updates within one
// process are still serialised.
func lockPath(string) (func(), error) { return func() {}, nil }

// lockPathShared does nothing where flock is not available.
func lockPathShared(string) (func(), error) { return func() {}, nil }
