//go:build unix

package sitefs

import (
	"io"
	"io/fs"
	"os"
	"path"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// OpenRegular opens name, a file the caller expects to be a regular file,
// for reading. It is Open without the cost of an *os.File (registering with
// the runtime's poller: five more system calls per file, a third of what
// reading a small file costs): one openat(2) of the last component, relative
// to the folder's handle, refusing to follow a symlink there. A symlink
// (ELOOP) is opened by Open instead, which follows it inside the folder.
// Reading something that is not a regular file fails cleanly: the open does
// not block (O_NONBLOCK) and a folder cannot be read.
func (f *FS) OpenRegular(name string) (fs.File, error) {
	if !fs.ValidPath(name) || name == "." {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	dirfd, ok, err := f.dirFD(path.Dir(name))
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: unwrap(err)}
	}
	if !ok {
		return f.Open(name)
	}
	var fd int
	for {
		fd, err = unix.Openat(dirfd, path.Base(name), unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
		if err != unix.EINTR {
			break
		}
	}
	if err == unix.ELOOP {
		return f.Open(name)
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &rawFile{fd: fd, name: name}, nil
}

// dirFD returns a descriptor for folder dir, opened through its os.Root the
// first time; ok is false when no more handles are kept (maxDirs).
func (f *FS) dirFD(dir string) (int, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dirs == nil {
		return 0, false, os.ErrClosed
	}
	if d, ok := f.dirFiles[dir]; ok {
		return d.fd, true, nil
	}
	if len(f.dirs) >= maxDirs {
		if _, cached := f.dirs[dir]; !cached {
			return 0, false, nil
		}
	}
	r, err := f.dirLocked(dir)
	if err != nil {
		return 0, false, err
	}
	file, err := r.Open(".")
	if err != nil {
		return 0, false, err
	}
	d := &dirFile{file: file, fd: -1}
	if sc, err := file.SyscallConn(); err == nil {
		sc.Control(func(fd uintptr) { d.fd = int(fd) })
	}
	if d.fd < 0 {
		file.Close()
		return 0, false, nil
	}
	f.dirFiles[dir] = d
	return d.fd, true, nil
}

// dirFile keeps a folder open for its descriptor.
type dirFile struct {
	file *os.File
	fd   int
}

func (d *dirFile) close() { d.file.Close() }

// rawFile is a read-only regular file held by its descriptor.
type rawFile struct {
	fd   int
	name string
}

func (r *rawFile) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for {
		n, err := unix.Read(r.fd, b)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, &fs.PathError{Op: "read", Path: r.name, Err: err}
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (r *rawFile) ReadAt(b []byte, off int64) (int, error) {
	done := 0
	for done < len(b) {
		n, err := unix.Pread(r.fd, b[done:], off+int64(done))
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return done, &fs.PathError{Op: "read", Path: r.name, Err: err}
		case n == 0:
			return done, io.EOF
		}
		done += n
	}
	return done, nil
}

func (r *rawFile) Stat() (fs.FileInfo, error) {
	var st unix.Stat_t
	for {
		err := unix.Fstat(r.fd, &st)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "stat", Path: r.name, Err: err}
		}
		break
	}
	return &rawInfo{name: path.Base(r.name), st: st}, nil
}

func (r *rawFile) Close() error {
	if r.fd < 0 {
		return &fs.PathError{Op: "close", Path: r.name, Err: fs.ErrClosed}
	}
	err := unix.Close(r.fd)
	r.fd = -1
	if err != nil {
		return &fs.PathError{Op: "close", Path: r.name, Err: err}
	}
	return nil
}

type rawInfo struct {
	name string
	st   unix.Stat_t
}

func (i *rawInfo) Name() string       { return i.name }
func (i *rawInfo) Size() int64        { return i.st.Size }
func (i *rawInfo) ModTime() time.Time { return time.Unix(i.st.Mtim.Unix()) }
func (i *rawInfo) IsDir() bool        { return i.Mode().IsDir() }
func (i *rawInfo) Sys() any           { return &i.st }
func (i *rawInfo) Mode() fs.FileMode {
	m := fs.FileMode(i.st.Mode & 0o777)
	switch i.st.Mode & syscall.S_IFMT {
	case syscall.S_IFDIR:
		m |= fs.ModeDir
	case syscall.S_IFLNK:
		m |= fs.ModeSymlink
	case syscall.S_IFIFO:
		m |= fs.ModeNamedPipe
	case syscall.S_IFSOCK:
		m |= fs.ModeSocket
	case syscall.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFBLK:
		m |= fs.ModeDevice
	}
	return m
}
