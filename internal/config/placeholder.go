package config

import (
	"fmt"
	"strings"
)

// Spring's system-properties modes.
type sysMode int

const (
	modeNever       sysMode = iota // properties files only
	modeFallback                   // files, then system properties, then environment (PropertyPlaceholderConfigurer default)
	modeOverride                   // system properties and environment, then files
	modeEnvironment                // <context:property-placeholder>: system properties, environment, then files
)

const (
	maxPlaceholderDepth = 64
	maxExpandedLen      = 1 << 20
	maxLookups          = 100000 // per value; a real file needs a handful
	maxWork             = 16 << 20
)

// resolver expands ${...} placeholders with the semantics of Spring's
// PropertyPlaceholderHelper: nested placeholders, ${key:default}, recursive
// expansion of resolved values and detection of circular references.
type resolver struct {
	prefix, suffix, sep string
	ignoreUnresolvable  bool
	mode                sysMode
	localOverride       bool // only for modeEnvironment: files before system
	files               map[string]string
	sys                 func(string) (string, bool) // -D, activemq.* paths, Java-like properties
	env                 func(string) (string, bool)
	decrypt             func(key, val string) (string, error)
	lookups             int
	work                int // bytes built while expanding one value
}

func newResolver() *resolver {
	return &resolver{prefix: "${", suffix: "}", sep: ":", mode: modeFallback, files: map[string]string{}}
}

type unresolvedError struct{ name string }

func (e *unresolvedError) Error() string {
	return fmt.Sprintf("unresolvable placeholder ${%s}", e.name)
}

func (r *resolver) lookupFile(key string) (string, bool, error) {
	v, ok := r.files[key]
	if !ok {
		return "", false, nil
	}
	if r.decrypt != nil {
		d, err := r.decrypt(key, v)
		if err != nil {
			return "", false, err
		}
		v = d
	}
	return v, true, nil
}

func (r *resolver) lookup(key string) (string, bool, error) {
	sysEnv := func() (string, bool) {
		if r.sys != nil {
			if v, ok := r.sys(key); ok {
				return v, true
			}
		}
		if r.env != nil {
			if v, ok := r.env(key); ok {
				return v, true
			}
		}
		return "", false
	}
	switch r.mode {
	case modeNever:
		return r.lookupFile(key)
	case modeOverride:
		if v, ok := sysEnv(); ok {
			return v, true, nil
		}
		return r.lookupFile(key)
	case modeEnvironment:
		if r.localOverride {
			if v, ok, err := r.lookupFile(key); ok || err != nil {
				return v, ok, err
			}
			v, ok := sysEnv()
			return v, ok, nil
		}
		if v, ok := sysEnv(); ok {
			return v, true, nil
		}
		return r.lookupFile(key)
	default:
		if v, ok, err := r.lookupFile(key); ok || err != nil {
			return v, ok, err
		}
		v, ok := sysEnv()
		return v, ok, nil
	}
}

// expand resolves every placeholder in s.
func (r *resolver) expand(s string) (string, error) {
	if !strings.Contains(s, r.prefix) {
		return s, nil
	}
	r.lookups, r.work = 0, 0
	return r.parse(s, map[string]bool{}, 0)
}

func (r *resolver) parse(value string, visited map[string]bool, depth int) (string, error) {
	if depth > maxPlaceholderDepth {
		return "", fmt.Errorf("placeholders nested deeper than %d in %q", maxPlaceholderDepth, clip(value))
	}
	result := value
	start := strings.Index(result, r.prefix)
	for start != -1 {
		end := r.findEnd(result, start)
		if end == -1 {
			break
		}
		original := result[start+len(r.prefix) : end]
		if visited[original] {
			return "", fmt.Errorf("circular placeholder reference ${%s}", original)
		}
		visited[original] = true
		if r.lookups++; r.lookups > maxLookups {
			return "", fmt.Errorf("placeholder expansion too complex (more than %d lookups)", maxLookups)
		}
		key, err := r.parse(original, visited, depth+1)
		if err != nil {
			return "", err
		}
		val, ok, err := r.lookup(key)
		if err != nil {
			return "", err
		}
		if !ok && r.sep != "" {
			if i := strings.Index(key, r.sep); i != -1 {
				val, ok, err = r.lookup(key[:i])
				if err != nil {
					return "", err
				}
				if !ok {
					val, ok = key[i+len(r.sep):], true
				}
			}
		}
		switch {
		case ok:
			val, err = r.parse(val, visited, depth+1)
			if err != nil {
				return "", err
			}
			if len(result)-(end+len(r.suffix)-start)+len(val) > maxExpandedLen {
				return "", fmt.Errorf("placeholder expansion longer than %d bytes", maxExpandedLen)
			}
			result = result[:start] + val + result[end+len(r.suffix):]
			if r.work += len(result); r.work > maxWork {
				return "", fmt.Errorf("placeholder expansion too complex (more than %d bytes built)", maxWork)
			}
			next := strings.Index(result[start+len(val):], r.prefix)
			if next == -1 {
				start = -1
			} else {
				start += len(val) + next
			}
		case r.ignoreUnresolvable:
			next := strings.Index(result[end+len(r.suffix):], r.prefix)
			if next == -1 {
				start = -1
			} else {
				start = end + len(r.suffix) + next
			}
		default:
			return "", &unresolvedError{name: key}
		}
		delete(visited, original)
	}
	return result, nil
}

// findEnd finds the suffix that closes the placeholder opened at start,
// counting nested "{" (or nested prefixes when the suffix is not "}").
func (r *resolver) findEnd(s string, start int) int {
	simple := r.prefix
	if r.suffix == "}" {
		simple = "{"
	} else if r.suffix == "]" {
		simple = "["
	} else if r.suffix == ")" {
		simple = "("
	}
	i := start + len(r.prefix)
	nested := 0
	for i < len(s) {
		switch {
		case strings.HasPrefix(s[i:], r.suffix):
			if nested > 0 {
				nested--
				i += len(r.suffix)
			} else {
				return i
			}
		case strings.HasPrefix(s[i:], simple):
			nested++
			i += len(simple)
		default:
			i++
		}
	}
	return -1
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
