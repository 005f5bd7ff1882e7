package selector

import (
	"strings"
	"unicode/utf8"
)

// likePattern is a LIKE pattern compiled once at parse time.
//
// A pattern is split at its unescaped '%' characters into segments. Each
// segment has a fixed length in characters ('_' stands for exactly one), so
// a greedy scan is exact: the first segment must sit at the start (unless the
// pattern starts with '%'), the last at the end (unless it ends with '%'),
// and each middle segment at its leftmost position after the previous one.
// Common shapes ('abc', 'abc%', '%abc', '%abc%') reduce to a single strings
// call; nothing allocates while matching.
type likePattern struct {
	shape    likeShape
	lit      string // for the single-literal shapes
	segs     []likeSeg
	anchorLo bool // pattern does not start with '%'
	anchorHi bool // pattern does not end with '%'
}

type likeShape uint8

const (
	likeGeneral  likeShape = iota
	likeExact              // 'abc'
	likePrefix             // 'abc%'
	likeSuffix             // '%abc'
	likeContains           // '%abc%'
	likeAny                // '%'
)

// likeSeg is a run of literal text and '_' wildcards between two '%'.
type likeSeg struct {
	parts []likePart
	chars int  // length in characters
	plain bool // no '_': parts is one literal (or empty)
}

// likePart is literal text followed by skip single-character wildcards.
type likePart struct {
	lit  string
	skip int
}

// compileLike builds the matcher. escape is the ESCAPE character, or -1.
//
// Escaping follows ActiveMQ's LikeExpression: the escape character makes the
// next character literal only when that next character is '%', '_' or the
// escape character itself; anywhere else (including at the end of the
// pattern) the escape character is an ordinary literal. So with ESCAPE '\'
// the pattern 'a\b' matches the string "a\b".
func compileLike(pattern string, escape rune) *likePattern {
	type item struct {
		star bool
		any  bool // '_'
		r    rune
	}
	var items []item
	for i := 0; i < len(pattern); {
		r, w := utf8.DecodeRuneInString(pattern[i:])
		i += w
		if r == escape && i < len(pattern) {
			nr, nw := utf8.DecodeRuneInString(pattern[i:])
			if nr == '%' || nr == '_' || nr == escape {
				items = append(items, item{r: nr})
				i += nw
				continue
			}
		}
		switch r {
		case '%':
			if len(items) == 0 || !items[len(items)-1].star {
				items = append(items, item{star: true})
			}
		case '_':
			items = append(items, item{any: true})
		default:
			items = append(items, item{r: r})
		}
	}

	p := &likePattern{anchorLo: true, anchorHi: true}
	if len(items) > 0 && items[0].star {
		p.anchorLo = false
	}
	if len(items) > 0 && items[len(items)-1].star {
		p.anchorHi = false
	}
	var cur *likeSeg
	var lit strings.Builder
	flush := func() {
		if cur != nil && lit.Len() > 0 {
			cur.parts = append(cur.parts, likePart{lit: lit.String()})
			lit.Reset()
		}
	}
	for _, it := range items {
		if it.star {
			if cur != nil {
				flush()
				cur = nil
			}
			continue
		}
		if cur == nil {
			p.segs = append(p.segs, likeSeg{plain: true})
			cur = &p.segs[len(p.segs)-1]
		}
		cur.chars++
		if it.any {
			flush()
			cur.plain = false
			if len(cur.parts) == 0 {
				cur.parts = append(cur.parts, likePart{})
			}
			cur.parts[len(cur.parts)-1].skip++
			continue
		}
		lit.WriteRune(it.r)
	}
	flush()

	switch {
	case len(items) == 0:
		p.shape, p.lit = likeExact, ""
	case len(p.segs) == 0:
		p.shape = likeAny
	case len(p.segs) == 1 && p.segs[0].plain:
		p.lit = p.segs[0].lit()
		switch {
		case p.anchorLo && p.anchorHi:
			p.shape = likeExact
		case p.anchorLo:
			p.shape = likePrefix
		case p.anchorHi:
			p.shape = likeSuffix
		default:
			p.shape = likeContains
		}
	}
	return p
}

func (s *likeSeg) lit() string {
	if len(s.parts) == 0 {
		return ""
	}
	return s.parts[0].lit
}

func (p *likePattern) match(s string) bool {
	switch p.shape {
	case likeExact:
		return s == p.lit
	case likePrefix:
		return strings.HasPrefix(s, p.lit)
	case likeSuffix:
		return strings.HasSuffix(s, p.lit)
	case likeContains:
		return strings.Contains(s, p.lit)
	case likeAny:
		return true
	}
	segs := p.segs
	pos := 0
	if p.anchorLo {
		end, ok := segs[0].matchAt(s, 0)
		if !ok {
			return false
		}
		if len(segs) == 1 && p.anchorHi {
			return end == len(s)
		}
		pos = end
		segs = segs[1:]
	}
	var last *likeSeg
	if p.anchorHi {
		last = &segs[len(segs)-1]
		segs = segs[:len(segs)-1]
	}
	for i := range segs {
		end, ok := segs[i].find(s, pos)
		if !ok {
			return false
		}
		pos = end
	}
	if last == nil {
		return true
	}
	// The last segment must end exactly at the end of s: step back over its
	// length in characters and match there.
	start := len(s)
	for n := last.chars; n > 0; n-- {
		if start <= pos {
			return false
		}
		_, w := utf8.DecodeLastRuneInString(s[:start])
		start -= w
	}
	if start < pos {
		return false
	}
	end, ok := last.matchAt(s, start)
	return ok && end == len(s)
}

// matchAt reports whether the segment matches s at byte offset pos, and
// where the match ends.
func (g *likeSeg) matchAt(s string, pos int) (int, bool) {
	for _, pt := range g.parts {
		if !strings.HasPrefix(s[pos:], pt.lit) {
			return 0, false
		}
		pos += len(pt.lit)
		for n := pt.skip; n > 0; n-- {
			if pos >= len(s) {
				return 0, false
			}
			_, w := utf8.DecodeRuneInString(s[pos:])
			pos += w
		}
	}
	return pos, true
}

// find returns the end of the leftmost match at or after pos.
func (g *likeSeg) find(s string, pos int) (int, bool) {
	if g.plain {
		lit := g.lit()
		i := strings.Index(s[pos:], lit)
		if i < 0 {
			return 0, false
		}
		return pos + i + len(lit), true
	}
	for pos <= len(s) {
		if end, ok := g.matchAt(s, pos); ok {
			return end, true
		}
		if pos == len(s) {
			break
		}
		// Skip ahead to the next place the leading literal occurs.
		if first := g.parts[0].lit; first != "" {
			i := strings.Index(s[pos+1:], first)
			if i < 0 {
				return 0, false
			}
			pos += 1 + i
			continue
		}
		_, w := utf8.DecodeRuneInString(s[pos:])
		pos += w
	}
	return 0, false
}
