//go:build !linux

package leveldb

import "os"

func fdatasync(f *os.File) error { return f.Sync() }
