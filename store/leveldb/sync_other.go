//go:build !linux

package leveldb

import "os"

func fdatasync(f *os.File) error { return f.Sync() }

// preallocate is a no-op where fallocate is not available.
func preallocate(*os.File, int64) error { return nil }
