package config

import (
	"strings"
	"unicode/utf16"
)

// ParseDestinationKind accepts "queue", "topic", "tempQueue" and "tempTopic"
// in any case, with or without a '-' or '_' ("temp-queue").
func ParseDestinationKind(s string) (DestinationKind, bool) {
	k := strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(s))
	switch k {
	case "queue":
		return Queue, true
	case "topic":
		return Topic, true
	case "tempqueue", "temporaryqueue":
		return TempQueue, true
	case "temptopic", "temporarytopic":
		return TempTopic, true
	}
	return "", false
}

// MatchDestination reports whether an ActiveMQ destination pattern matches a
// destination name, following ActiveMQ's DestinationFilter: segments are
// separated by '.', '*' matches one segment, a trailing '>' matches the rest
// (and "A.>" also matches "A" itself), and a pattern without wildcards
// matches only the same name. A comma-separated pattern matches if any part
// does. A '>' that is not the last segment is taken literally.
func MatchDestination(pattern, name string) bool {
	for _, p := range strings.Split(pattern, ",") {
		if matchOne(p, name) {
			return true
		}
	}
	return false
}

func matchOne(pattern, name string) bool {
	pp := strings.Split(pattern, ".")
	if pp[len(pp)-1] == ">" {
		i := len(pp) - 1
		for i >= 0 && pp[i] == ">" {
			i--
		}
		prefixes := pp[:i+2]
		n := len(prefixes)
		path := strings.Split(name, ".")
		seg := func(p, s string) bool { return s == "*" || p == "*" || p == s }
		if len(path) >= n {
			for j := 0; j < n-1; j++ {
				if !seg(prefixes[j], path[j]) {
					return false
				}
			}
			return true
		}
		for j := 0; j < len(path); j++ {
			if !seg(prefixes[j], path[j]) {
				return false
			}
		}
		return n == len(path)+1
	}
	wild := false
	for _, s := range pp {
		if s == "*" {
			wild = true
			break
		}
	}
	if !wild {
		return pattern == name
	}
	path := strings.Split(name, ".")
	if len(path) != len(pp) {
		return false
	}
	for j, s := range pp {
		if s != "*" && s != path[j] {
			return false
		}
	}
	return true
}

func isPattern(name string) bool { return strings.ContainsAny(name, "*>") }

// javaCompare orders strings as java.lang.String.compareTo does (by UTF-16
// code units).
func javaCompare(a, b string) int {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return int(ua[i]) - int(ub[i])
		}
	}
	return len(ua) - len(ub)
}

// compareEntries is the comparator of ActiveMQ's DestinationMap.chooseValue:
// an entry naming the destination exactly comes first; otherwise a pattern
// whose filter matches the other pattern's text is the more general one and
// comes later; otherwise the patterns' text decides (Java string order).
//
// ActiveMQ's filters also match each other in some pairs (ORDERS.* and
// ORDERS.>, FOO.> and FOO.*.>, FOO.BAR.> and FOO.*.>). Its comparator then
// calls each one the more general, so the entry it picks depends on the
// iteration order of a HashSet of entries, which varies between runs. Here
// the narrower pattern wins instead: segment by segment, a literal is
// narrower than '*', which is narrower than '>'.
func compareEntries(dest, a, b string) int {
	if a == dest {
		return -1
	}
	if b == dest {
		return 1
	}
	pa, pb := isPattern(a), isPattern(b)
	if pa && pb && a == b {
		return 0
	}
	aCovers := pa && MatchDestination(a, b)
	bCovers := pb && MatchDestination(b, a)
	switch {
	case aCovers && bCovers:
		if c := compareNarrowness(a, b); c != 0 {
			return c
		}
	case aCovers:
		return 1
	case bCovers:
		return -1
	}
	return javaCompare(a, b)
}

// compareNarrowness orders two patterns segment by segment: literal before
// '*' before '>'; with equal kinds throughout, the longer one first.
func compareNarrowness(a, b string) int {
	rank := func(s string) int {
		switch s {
		case "*":
			return 1
		case ">":
			return 2
		}
		return 0
	}
	sa, sb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(sa) && i < len(sb); i++ {
		if d := rank(sa[i]) - rank(sb[i]); d != 0 {
			return d
		}
	}
	return len(sb) - len(sa)
}

// choose picks, among entries whose pattern matches the destination, the one
// ActiveMQ's DestinationMap.chooseValue picks: the first after sorting with
// compareEntries. Ties keep the entry written first.
func choose[E any](entries []E, key func(E) (DestinationKind, string), kind DestinationKind, name string) (E, bool) {
	var best E
	found := false
	var bestPat string
	for _, e := range entries {
		k, pat := key(e)
		if k != kind || !(pat == name || MatchDestination(pat, name)) {
			continue
		}
		if !found || compareEntries(name, pat, bestPat) < 0 {
			best, bestPat, found = e, pat, true
		}
	}
	return best, found
}

// EntryFor returns the policy entry ActiveMQ applies to a destination: the
// most specific matching entry (see Config.PolicyFor), else the default
// entry, else nil.
func (m *PolicyMap) EntryFor(kind DestinationKind, name string) *PolicyEntry {
	if m == nil {
		return nil
	}
	if e, ok := choose(m.Entries, func(e *PolicyEntry) (DestinationKind, string) { return e.Kind, e.Destination }, kind, name); ok {
		return e
	}
	return m.Default
}

// PolicyFor returns the <policyEntry> ActiveMQ would apply to the
// destination of the given kind ("queue", "topic", "tempQueue",
// "tempTopic") and name, or nil when no entry matches and there is no
// default entry (the broker then uses NewPolicyEntry's values).
//
// When several entries match, ActiveMQ 5.17 (DestinationMap.chooseValue)
// takes the most specific one: an entry naming the destination exactly
// wins; between two patterns, one whose filter matches the other's text is
// the more general and loses (FOO.> beats >); patterns that do not cover
// each other are ordered by their text (Java string order), the smaller
// winning (*.EU beats ORDERS.* for ORDERS.EU). Where ActiveMQ's own choice
// is unstable (see compareEntries) the narrower pattern wins: FOO.* beats
// FOO.>. Temporary destinations match only tempQueue/tempTopic entries,
// and queue entries never match topics.
func (c *Config) PolicyFor(kind, name string) *PolicyEntry {
	k, ok := ParseDestinationKind(kind)
	if !ok {
		return nil
	}
	return c.Broker.DestinationPolicy.EntryFor(k, name)
}

// PolicyFor returns the redelivery policy for a destination, chosen like
// Config.PolicyFor, falling back to the default entry; nil when neither
// applies (ActiveMQ then sends the message to the DLQ if
// FallbackToDeadLetter is set).
func (r *RedeliveryPlugin) PolicyFor(kind DestinationKind, name string) *RedeliveryPolicy {
	if r == nil {
		return nil
	}
	if e, ok := choose(r.Entries, func(e *RedeliveryPolicy) (DestinationKind, string) { return e.Kind, e.Destination }, kind, name); ok {
		return e
	}
	return r.Default
}

// ACL is the groups allowed to read, write and administer a destination.
type ACL struct {
	Read, Write, Admin []string
}

// ACLFor returns the groups allowed on a destination the way ActiveMQ's
// DefaultAuthorizationMap computes them: the union over every matching
// entry plus the default entry (not just the most specific entry). A
// non-temporary destination that nothing matches gets an empty ACL: nobody
// is allowed. Temporary destinations use the
// tempDestinationAuthorizationEntry; without one, nil: everyone is allowed.
// Group "*" means any authenticated user.
func (p *AuthorizationPlugin) ACLFor(kind DestinationKind, name string) *ACL {
	if p == nil {
		return nil
	}
	if kind == TempQueue || kind == TempTopic {
		if p.TempDestination == nil {
			return nil
		}
		return &ACL{Read: p.TempDestination.Read, Write: p.TempDestination.Write, Admin: p.TempDestination.Admin}
	}
	acl := &ACL{}
	seen := [3]map[string]bool{{}, {}, {}}
	add := func(i int, dst *[]string, groups []string) {
		for _, g := range groups {
			if !seen[i][g] {
				seen[i][g] = true
				*dst = append(*dst, g)
			}
		}
	}
	apply := func(e *AuthorizationEntry) {
		add(0, &acl.Read, e.Read)
		add(1, &acl.Write, e.Write)
		add(2, &acl.Admin, e.Admin)
	}
	for _, e := range p.Entries {
		if e.Kind == kind && (e.Destination == name || MatchDestination(e.Destination, name)) {
			apply(e)
		}
	}
	if p.Default != nil {
		apply(p.Default)
	}
	return acl
}
