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
