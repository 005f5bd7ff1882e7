package leveldb

import (
	"os"
	"syscall"
)

// fdatasync flushes file data and the size, skipping unrelated metadata.
func fdatasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}

// preallocate reserves size bytes for f, so that appends inside them leave
// the file's size alone: fdatasync then flushes the data without a metadata
// commit, which is a large part of its cost on ext4 and xfs. File systems
// without fallocate just grow the file as before.
func preallocate(f *os.File, size int64) error {
	for {
		err := syscall.Fallocate(int(f.Fd()), 0, 0, size)
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EOPNOTSUPP, syscall.ENOSYS:
			return nil
		}
		return err
	}
}

// nextData returns where data follows off in f (SEEK_DATA): the end of the
// file when only holes (unwritten preallocated space) follow. ok is false
// when the file system cannot tell.
func nextData(f *os.File, off int64) (pos int64, ok bool) {
	const seekData = 3
	pos, err := syscall.Seek(int(f.Fd()), off, seekData)
	if err == syscall.ENXIO {
		st, serr := f.Stat()
		if serr != nil {
			return 0, false
		}
		return st.Size(), true
	}
	if err != nil {
		return 0, false
	}
	return pos, true
}
