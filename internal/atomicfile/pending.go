package atomicfile

import (
	"os"
	"sync"
)

// pending holds the names of temporary files not yet committed or aborted,
// so a signal handler that must exit at once can remove them
// (RemovePending). Normally the deferred Abort of the interrupted command
// removes them first.
var pending sync.Map // name -> struct{}

// RemovePending removes every temporary file this package created that is
// not yet committed or aborted. It is for a process about to exit on a
// signal; the files' writers must not be used afterwards.
func RemovePending() {
	pending.Range(func(k, _ any) bool {
		os.Remove(k.(string))
		pending.Delete(k)
		return true
	})
}

// Scratch creates a temporary file in dir (the default temporary folder
// when dir is "") for data needed only while the process runs: its name is
// removed at once where the system allows (Unix), so nothing is left behind
// even if the process is killed; elsewhere it is removed by RemovePending
// or by the caller. Close it when done; removing its name again is
// harmless.
func Scratch(dir, pattern string) (*os.File, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	if os.Remove(f.Name()) != nil {
		pending.Store(f.Name(), struct{}{})
	}
	return f, nil
}

// Temp creates a named temporary file in dir (the default temporary folder
// when dir is ""), like os.CreateTemp, for data that is opened again by
// name while the process runs (a CAR uploaded to several holders). Remove
// it with RemoveTemp; until then a signal handler's RemovePending removes
// it too.
func Temp(dir, pattern string) (*os.File, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	pending.Store(f.Name(), struct{}{})
	return f, nil
}

// RemoveTemp removes a file Temp created.
func RemoveTemp(name string) {
	os.Remove(name)
	pending.Delete(name)
}
