package leveldb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// ErrForeign is wrapped by the error DetectForeign returns.
var ErrForeign = errors.New("directory written by ActiveMQ")

var (
	kahaLog     = regexp.MustCompile(`^db-[0-9]+\.log$`)
	amqLevelLog = regexp.MustCompile(`^[0-9a-f]{16}\.log$`)
	amqLevelIdx = regexp.MustCompile(`^[0-9a-f]{16}\.index$`)
)

// DetectForeign returns an error wrapping ErrForeign when dir holds an
// ActiveMQ KahaDB store (db.data, db.redo, db-N.log, also one directory down
// as mKahaDB lays them out) or an ActiveMQ LevelDB store (<16 hex>.log
// journal files, <16 hex>.index, dirty.index or plist.index directories).
// A missing or empty directory is fine.
func DetectForeign(dir string) error {
	found, err := scanForeign(dir, true)
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return nil
	}
	kinds := map[string]bool{}
	var names []string
	for _, f := range found {
		kinds[f.kind] = true
		names = append(names, f.name)
	}
	sort.Strings(names)
	if len(names) > 6 {
		names = append(names[:6], fmt.Sprintf("and %d more", len(names)-6))
	}
	var what []string
	for _, k := range []string{"KahaDB", "LevelDB"} {
		if kinds[k] {
			what = append(what, "ActiveMQ "+k)
		}
	}
	return fmt.Errorf("%w: %s holds %s files (%s); this directory was written by ActiveMQ; it is left untouched. "+
		"Start with an empty directory and move the messages over the wire (amq migrate --from stomp://old-host:61613) "+
		"while the old broker still runs on its own store", ErrForeign, dir, strings.Join(what, " and "), strings.Join(names, ", "))
}

type foreignFile struct{ kind, name string }

func scanForeign(dir string, descend bool) ([]foreignFile, error) {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read store directory: %w", err)
	}
	var found []foreignFile
	for _, e := range ents {
		name := e.Name()
		switch {
		case !e.IsDir() && (name == "db.data" || name == "db.redo" || name == "db.free" || kahaLog.MatchString(name)):
			found = append(found, foreignFile{"KahaDB", name})
		case !e.IsDir() && amqLevelLog.MatchString(name):
			found = append(found, foreignFile{"LevelDB", name})
		case e.IsDir() && (amqLevelIdx.MatchString(name) || name == "dirty.index" || name == "plist.index"):
			found = append(found, foreignFile{"LevelDB", name + "/"})
		case e.IsDir() && descend && name != indexDirName:
			sub, err := scanForeign(filepath.Join(dir, name), false)
			if err != nil {
				return nil, err
			}
			for _, f := range sub {
				found = append(found, foreignFile{f.kind, name + "/" + f.name})
			}
		}
	}
	return found, nil
}
