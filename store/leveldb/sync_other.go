//go:build !linux

package leveldb

import "os"

func fdatasync(f *os.File) error { return f.Sync() }

// preallocate is a no-op where fallocate is not available.
func preallocate(*os.File, int64) error { return nil }

// nextData cannot skip holes here: the caller reads them.
func nextData(*os.File, int64) (int64, bool) { return 0, false }
