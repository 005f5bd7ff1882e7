package web

import (
	"fmt"
	"sort"
	"strings"
)

// objectName is a JMX ObjectName: a domain and key properties. Patterns
// (wildcards in the domain or in values, or a trailing ",*") follow JMX's
// rules, so Jolokia search and pattern reads behave as they do against a
// Java broker.
type objectName struct {
	domain      string
	props       map[string]string
	propPattern bool // the key list ends with "*": other keys may follow
}

// malformedError is javax.management.MalformedObjectNameException.
type malformedError struct{ msg string }

func (e *malformedError) Error() string { return e.msg }

// parseObjectName reads "domain:key=value,key=value[,*]". Quoted values keep
// their quotes, as JMX does.
func parseObjectName(s string) (objectName, error) {
	i := strings.IndexByte(s, ':')
	if i < 0 {
		return objectName{}, &malformedError{"Key properties cannot be empty"}
	}
	on := objectName{domain: s[:i], props: map[string]string{}}
	if strings.ContainsAny(on.domain, "\n") {
		return objectName{}, &malformedError{"Invalid character '\\n' in domain name"}
	}
	rest := s[i+1:]
	if rest == "" {
		return objectName{}, &malformedError{"Key properties cannot be empty"}
	}
	for len(rest) > 0 {
		var part string
		part, rest = nextProp(rest)
		if part == "*" {
			if on.propPattern {
				return objectName{}, &malformedError{"Cannot have several '*' characters in pattern properties"}
			}
			on.propPattern = true
			continue
		}
		eq := strings.IndexByte(part, '=')
		if eq <= 0 {
			return objectName{}, &malformedError{fmt.Sprintf("Unterminated key property part %q", part)}
		}
		k, v := part[:eq], part[eq+1:]
		if strings.ContainsAny(k, ":*?,=\n") {
			return objectName{}, &malformedError{fmt.Sprintf("Invalid character in key %q", k)}
		}
		if v == "" {
			return objectName{}, &malformedError{fmt.Sprintf("Invalid key property %q: empty value", part)}
		}
		if strings.HasPrefix(v, `"`) {
			if len(v) < 2 || !strings.HasSuffix(v, `"`) || strings.HasSuffix(v, `\"`) && !strings.HasSuffix(v, `\\"`) {
				return objectName{}, &malformedError{fmt.Sprintf("Invalid quoted value %s", v)}
			}
		} else if strings.ContainsAny(v, ":\",=\n") {
			return objectName{}, &malformedError{fmt.Sprintf("Invalid character in value %q", v)}
		}
		if _, dup := on.props[k]; dup {
			return objectName{}, &malformedError{fmt.Sprintf("key `%s' already defined", k)}
		}
		on.props[k] = v
	}
	if len(on.props) == 0 && !on.propPattern {
		return objectName{}, &malformedError{"Key properties cannot be empty"}
	}
	return on, nil
}

// nextProp splits off the next comma-separated property, honouring quotes.
func nextProp(s string) (part, rest string) {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '"':
			inQuote = !inQuote
		case c == ',' && !inQuote:
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

func newObjectName(domain string, kv ...string) objectName {
	on := objectName{domain: domain, props: make(map[string]string, len(kv)/2)}
	for i := 0; i+1 < len(kv); i += 2 {
		on.props[kv[i]] = kv[i+1]
	}
	return on
}

// canonical is ObjectName.getCanonicalName(): keys sorted, as Jolokia
// reports names by default (canonicalNaming=true).
func (o objectName) canonical() string {
	keys := make([]string, 0, len(o.props))
	for k := range o.props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(o.domain)
	b.WriteByte(':')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(o.props[k])
	}
	if o.propPattern {
		if len(keys) > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('*')
	}
	return b.String()
}

// keyList is the canonical key property list (no domain), the key Jolokia's
// list answer uses under a domain.
func (o objectName) keyList() string {
	c := o.canonical()
	return c[strings.IndexByte(c, ':')+1:]
}

func isQuoted(v string) bool { return len(v) >= 2 && v[0] == '"' }

func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }

// isPattern reports whether o names a set of MBeans rather than one.
func (o objectName) isPattern() bool {
	if o.propPattern || hasWildcard(o.domain) {
		return true
	}
	for _, v := range o.props {
		if !isQuoted(v) && hasWildcard(v) {
			return true
		}
	}
	return false
}

// matches reports whether name (a concrete ObjectName) is selected by o.
func (o objectName) matches(name objectName) bool {
	if !globMatch(o.domain, name.domain) {
		return false
	}
	for k, pv := range o.props {
		v, ok := name.props[k]
		if !ok {
			return false
		}
		if isQuoted(pv) || !hasWildcard(pv) {
			if pv != v {
				return false
			}
		} else if !globMatch(pv, v) {
			return false
		}
	}
	return o.propPattern || len(o.props) == len(name.props)
}

// globMatch matches JMX wildcards: * any run of characters, ? one character.
func globMatch(pattern, s string) bool {
	p, n := []rune(pattern), []rune(s)
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(n) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == n[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// encodeNamePart makes a destination or client name safe inside an
// ObjectName value the way ActiveMQ's JMX layer does: characters that would
// break the name are replaced, so the mapping is lossy and lookups compare
// encoded forms.
func encodeNamePart(s string) string {
	if !strings.ContainsAny(s, ":,'\"?=*\n") {
		return s
	}
	r := strings.NewReplacer(":", "_", ",", "_", "'", "_", `"`, "_", "\n", "_", "?", "&qe;", "=", "&equals;", "*", "&ast;")
	return r.Replace(s)
}
