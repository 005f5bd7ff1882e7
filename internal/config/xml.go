package config

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// XML namespaces found in activemq.xml files.
const (
	nsBeans   = "http://www.springframework.org/schema/beans"
	nsContext = "http://www.springframework.org/schema/context"
	nsCore    = "http://activemq.apache.org/schema/core"
	nsCoreOld = "http://activemq.org/config/1.0" // ActiveMQ 4.x
	nsXSI     = "http://www.w3.org/2001/XMLSchema-instance"
	nsXMLNS   = "xmlns"
)

// maxDepth bounds element nesting; real files stay under 15.
const maxDepth = 200

type xattr struct {
	space, local string
	raw          string // as written, entities decoded
	line, col    int
}

type xnode struct {
	space, local string
	attrs        []xattr
	kids         []*xnode
	text         string
	hasText      bool // non-blank character data seen
	textLine     int
	textCol      int
	line, col    int
}

func (n *xnode) attr(local string) (xattr, bool) {
	for _, a := range n.attrs {
		if a.local == local && (a.space == "" || a.space == n.space) {
			return a, true
		}
	}
	return xattr{}, false
}

var encodingDecl = regexp.MustCompile(`^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']`)

// toUTF8 converts a Latin-1 (or ASCII) document to UTF-8 so that byte
// offsets seen by the decoder are offsets into the bytes we scan.
func toUTF8(data []byte) ([]byte, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	m := encodingDecl.FindSubmatch(data)
	if m == nil {
		return data, nil
	}
	switch strings.ToLower(string(m[1])) {
	case "utf-8", "utf8":
		return data, nil
	case "us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1", "windows-1252", "cp1252":
		if utf8.Valid(data) && !bytes.ContainsFunc(data, func(r rune) bool { return r >= 0x80 }) {
			return data, nil
		}
		out := make([]byte, 0, len(data)+len(data)/8)
		for _, b := range data {
			out = utf8.AppendRune(out, rune(b))
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported XML encoding %q", m[1])
}

// parseTree reads the whole document into a tree, keeping the position of
// every element, attribute and text.
func parseTree(file string, data []byte) (*xnode, error) {
	data, err := toUTF8(data)
	if err != nil {
		return nil, &Error{File: file, Line: 1, Col: 1, Msg: err.Error()}
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	lines := lineIndex(data)
	var stack []*xnode
	var root *xnode
	for {
		startOff := d.InputOffset()
		line, col := inputPos(d)
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			l, c := inputPos(d)
			msg := err.Error()
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				msg = "malformed XML: " + se.Msg
			}
			return nil, &Error{File: file, Line: l, Col: c, Msg: msg, Err: err}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xnode{space: t.Name.Space, local: t.Name.Local, line: line, col: col}
			endOff := d.InputOffset()
			var offs []int
			if startOff >= 0 && endOff <= int64(len(data)) && startOff < endOff {
				offs = attrOffsets(data[startOff:endOff])
			}
			for i, a := range t.Attr {
				for _, b := range t.Attr[:i] {
					if a.Name == b.Name {
						return nil, &Error{File: file, Line: line, Col: col, Msg: fmt.Sprintf("malformed XML: attribute %s given twice in <%s>", a.Name.Local, t.Name.Local)}
					}
				}
				xa := xattr{space: a.Name.Space, local: a.Name.Local, raw: a.Value, line: line, col: col}
				if len(offs) == len(t.Attr) {
					xa.line, xa.col = lines.pos(int(startOff) + offs[i])
				}
				n.attrs = append(n.attrs, xa)
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, &Error{File: file, Line: line, Col: col, Msg: "malformed XML: more than one root element"}
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			}
			if len(stack) >= maxDepth {
				return nil, &Error{File: file, Line: line, Col: col, Msg: fmt.Sprintf("elements nested deeper than %d", maxDepth)}
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			n := stack[len(stack)-1]
			s := string(t)
			if !n.hasText && strings.TrimSpace(s) != "" {
				n.hasText = true
				lead := len(s) - len(strings.TrimLeft(s, " \t\r\n"))
				n.textLine, n.textCol = lines.pos(int(startOff) + lead)
				if n.textLine == 0 {
					n.textLine, n.textCol = line, col
				}
			}
			n.text += s
		}
	}
	if root == nil {
		return nil, &Error{File: file, Line: 1, Col: 1, Msg: "malformed XML: no root element"}
	}
	return root, nil
}

// inputPos is Decoder.InputPos, kept at column 1 or more: after the decoder
// pushes back a newline it reports column 0.
func inputPos(d *xml.Decoder) (int, int) {
	line, col := d.InputPos()
	return max(line, 1), max(col, 1)
}

// attrOffsets returns the offset of each attribute name within a raw start
// tag, in document order.
func attrOffsets(tag []byte) []int {
	isSpace := func(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }
	i := 1
	for i < len(tag) && !isSpace(tag[i]) && tag[i] != '/' && tag[i] != '>' {
		i++
	}
	var offs []int
	for {
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || tag[i] == '/' || tag[i] == '>' {
			return offs
		}
		start := i
		for i < len(tag) && !isSpace(tag[i]) && tag[i] != '=' {
			i++
		}
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || tag[i] != '=' {
			return nil
		}
		i++
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || (tag[i] != '"' && tag[i] != '\'') {
			return nil
		}
		q := tag[i]
		i++
		for i < len(tag) && tag[i] != q {
			i++
		}
		if i >= len(tag) {
			return nil
		}
		i++
		offs = append(offs, start)
	}
}

type lineTable []int // byte offset of the start of each line

func lineIndex(data []byte) lineTable {
	t := lineTable{0}
	for i, b := range data {
		if b == '\n' {
			t = append(t, i+1)
		}
	}
	return t
}

// pos converts a byte offset to a 1-based line and column.
func (t lineTable) pos(off int) (int, int) {
	lo, hi := 0, len(t)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if t[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1, off - t[lo] + 1
}
