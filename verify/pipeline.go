package verify

import (
	"bufio"
	"sync"

	"github.com/ipfs/go-cid"
)

// The parallel verifier: one goroutine reads sections, Workers goroutines
// hash them, and the calling goroutine checks them against the DAG in stream
// order (the completeness check is inherently sequential: a block is only
// acceptable once its parent was). SHA-256 is the only expensive step, so
// this scales with cores; a bounded queue keeps memory to a few sections.

type section struct {
	c    cid.Cid
	data []byte
	buf  *[]byte
	err  error
	done chan struct{}
}

func readSectionsParallel(br *bufio.Reader, d *dag, lim Limits) error {
	depth := 2*lim.Workers + 2
	ordered := make(chan *section, depth)
	work := make(chan *section, depth)
	stop := make(chan struct{})
	pool := sync.Pool{New: func() any { b := make([]byte, 0, 1<<20+512); return &b }}
	var workers sync.WaitGroup
	for range lim.Workers {
		workers.Go(func() {
			for s := range work {
				s.err = checkHash(s.c, s.data)
				close(s.done)
			}
		})
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(work)
		defer close(ordered)
		readErr <- readLoop(br, lim, func(n int) *[]byte { return sectionBuf(&pool, n) }, func(c cid.Cid, data []byte, bp *[]byte) error {
			s := &section{c: c, data: data, buf: bp, done: make(chan struct{})}
			select {
			case ordered <- s:
			case <-stop:
				return errStopped
			}
			work <- s
			return nil
		})
	}()
	err := checkInOrder(ordered, d, &pool, stop)
	workers.Wait()
	if rerr := <-readErr; err == nil && rerr != errStopped {
		err = rerr
	}
	return err
}

// checkInOrder adds the hashed sections to d in stream order; after the
// first error it only drains the queue.
func checkInOrder(ordered <-chan *section, d *dag, pool *sync.Pool, stop chan struct{}) error {
	var err error
	for s := range ordered {
		<-s.done
		if err == nil {
			if err = d.addHashed(s.c, s.data, s.err); err != nil {
				close(stop)
			}
		}
		pool.Put(s.buf)
	}
	return err
}

func sectionBuf(pool *sync.Pool, n int) *[]byte {
	bp := pool.Get().(*[]byte)
	if cap(*bp) < n {
		b := make([]byte, n)
		bp = &b
	}
	return bp
}

// errStopped ends the reader when the checker has already failed.
var errStopped = errorString("verification stopped")

type errorString string

func (e errorString) Error() string { return string(e) }
