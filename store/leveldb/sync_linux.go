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
