package config

import (
	"fmt"
	"strings"
)

// decoder walks the XML tree into the model. It keeps the first error and
// goes on collecting warnings only until then.
type decoder struct {
	file  string
	cfg   *Config
	res   *resolver
	warns []Warning
	err   error
	// beanNodes holds every Spring <bean> with an id, for reference checks.
	beanNodes  map[string]*xnode
	readFileFn func(string) ([]byte, error)
	// configurers holds the placeholder configurer beans, decoded with
	// system properties only.
	configurers   map[*xnode]*Bean
	propsOverride bool
}

func (d *decoder) warnAt(line, col int, format string, args ...any) {
	if d.err != nil {
		return
	}
	d.warns = append(d.warns, Warning{File: d.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) warn(n *xnode, format string, args ...any) {
	d.warnAt(n.line, n.col, format, args...)
}

func (d *decoder) failAt(line, col int, cause error, format string, args ...any) {
	if d.err != nil {
		return
	}
	d.err = &Error{File: d.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...), Err: cause}
}

func (d *decoder) pos(n *xnode) Pos { return Pos{File: d.file, Line: n.line, Col: n.col} }

// expand resolves placeholders in s, failing at line:col on error. what
// describes where s came from, for the message.
func (d *decoder) expand(line, col int, what, s string) string {
	if d.err != nil {
		return s
	}
	v, err := d.res.expand(s)
	if err != nil {
		d.failAt(line, col, err, "%s: %v", what, err)
		return s
	}
	return v
}

// text returns the element's resolved, trimmed character data.
func (d *decoder) text(n *xnode) string {
	t := strings.TrimSpace(n.text)
	if t == "" {
		return ""
	}
	line, col := n.textLine, n.textCol
	if line == 0 {
		line, col = n.line, n.col
	}
	return d.expand(line, col, "<"+n.local+">", t)
}

func isCore(n *xnode) bool {
	return n.space == nsCore || n.space == "" || n.space == nsCoreOld
}

func isBeans(n *xnode) bool { return n.space == nsBeans || n.space == "" }

func qname(n *xnode) string {
	switch n.space {
	case nsCore, nsCoreOld, "", nsBeans:
		return n.local
	}
	return n.local + " (" + n.space + ")"
}

// unexpected reports a child element that the parent does not take.
func (d *decoder) unexpected(parent, n *xnode) {
	switch {
	case isCore(n) && n.space != "":
		d.warn(n, "unknown element <%s> in <%s>; ignored", n.local, parent.local)
	case n.space == nsBeans && n.local == "bean":
		d.warn(n, "Spring <bean> in <%s> is not supported here; ignored", parent.local)
	case n.space == nsBeans:
		d.warn(n, "Spring <%s> in <%s> is not supported; ignored", n.local, parent.local)
	case n.space == "":
		d.warn(n, "unknown element <%s> in <%s>; ignored", n.local, parent.local)
	default:
		d.warn(n, "element <%s> from namespace %s ignored", n.local, n.space)
	}
}

// attrs binds an element's attributes to model fields.
type attrs struct {
	d    *decoder
	n    *xnode
	vals map[string]string
	src  map[string]xattr
	used map[string]bool
}

func (d *decoder) attrsOf(n *xnode) *attrs {
	a := &attrs{d: d, n: n, vals: map[string]string{}, src: map[string]xattr{}, used: map[string]bool{}}
	for _, x := range n.attrs {
		switch {
		case x.space == nsXMLNS || (x.space == "" && x.local == "xmlns"):
			continue
		case x.space == nsXSI:
			continue
		case x.space != "" && x.space != n.space:
			d.warnAt(x.line, x.col, "attribute %s (namespace %s) on <%s> ignored", x.local, x.space, n.local)
			continue
		}
		what := fmt.Sprintf("<%s %s=%q>", n.local, x.local, x.raw)
		a.vals[x.local] = d.expand(x.line, x.col, what, x.raw)
		a.src[x.local] = x
	}
	return a
}

func (a *attrs) get(name string) (string, bool) {
	v, ok := a.vals[name]
	if ok {
		a.used[name] = true
	}
	return v, ok
}

func (a *attrs) bad(name string, err error) {
	x := a.src[name]
	a.d.failAt(x.line, x.col, err, "<%s %s=%q>: %v", a.n.local, name, x.raw, err)
}

func (a *attrs) str(name string, dst *string) bool {
	v, ok := a.get(name)
	if ok {
		*dst = v
	}
	return ok
}

func (a *attrs) path(name string, dst *string) bool {
	v, ok := a.get(name)
	if ok {
		*dst = resolvePath(a.d.cfg.Paths.Base, strings.TrimSpace(v))
	}
	return ok
}

// sbool is a boolean read by Spring's CustomBooleanEditor.
func (a *attrs) sbool(name string, dst *bool) bool {
	v, ok := a.get(name)
	if !ok {
		return false
	}
	b, err := ParseSpringBool(v)
	if err != nil {
		a.bad(name, err)
		return false
	}
	*dst = b
	return true
}

// abool is a boolean read by ActiveMQ's BooleanEditor.
func (a *attrs) abool(name string, dst *bool) bool {
	v, ok := a.get(name)
	if !ok {
		return false
	}
	b, err := ParseBool(v)
	if err != nil {
		a.bad(name, err)
		return false
	}
	*dst = b
	return true
}

// sboolNotActedOn reads a boolean the broker parses but does not act on.
// The broker always behaves as if it were acts; any other value is
// reported the way finish reports an attribute not supported, since an
// operator who sets it expects ActiveMQ's behaviour and would not get it.
func (a *attrs) sboolNotActedOn(name string, dst *bool, acts bool) {
	if a.sbool(name, dst) && *dst != acts {
		a.notActedOn(name)
	}
}

// notActedOn reports an attribute that was read but is not acted on.
func (a *attrs) notActedOn(name string) {
	x := a.src[name]
	a.d.warnAt(x.line, x.col, "<%s %s>: attribute not supported by this broker; ignored", a.n.local, name)
}

func (a *attrs) int(name string, dst *int) bool {
	v, ok := a.get(name)
	if !ok {
		return false
	}
	n, err := ParseInt(v, 32)
	if err != nil {
		a.bad(name, err)
		return false
	}
	*dst = int(n)
	return true
}

func (a *attrs) long(name string, dst *int64) bool {
	v, ok := a.get(name)
	if !ok {
		return false
	}
	n, err := ParseInt(v, 64)
	if err != nil {
		a.bad(name, err)
		return false
	}
	*dst = n
	return true
}

// size is a byte count read by ActiveMQ's MemoryPropertyEditor.
func (a *attrs) size(name string, dst *int64) bool {
	v, ok := a.get(name)
	if !ok {
		return false
	}
	n, err := ParseSize(v)
	if err != nil {
		a.bad(name, err)
		return false
	}
	*dst = n
	return true
}

// sizeInt is a byte count read by ActiveMQ's MemoryIntPropertyEditor.
func (a *attrs) sizeInt(name string, dst *int) bool {
	v, ok := a.get(name)
	if !ok {
		return false
	}
	n, err := parseSizeInt(v)
	if err != nil {
		a.bad(name, err)
		return false
	}
	*dst = int(n)
	return true
}

// sizeInt64 stores a MemoryIntPropertyEditor value in an int64 field.
func (a *attrs) sizeInt64(name string, dst *int64) bool {
	var n int
	if a.sizeInt(name, &n) {
		*dst = int64(n)
		return true
	}
	return false
}

// longOrSize reads a Java long that ActiveMQ took as a plain number; a size
// suffix is accepted as well.
func (a *attrs) longOrSize(name string, dst *int64) bool {
	v, ok := a.get(name)
	if !ok {
		return false
	}
	if n, err := ParseInt(v, 64); err == nil {
		*dst = n
		return true
	}
	n, err := ParseSize(v)
	if err != nil {
		a.bad(name, err)
		return false
	}
	*dst = n
	return true
}

func (a *attrs) float(name string, dst *float64) bool {
	v, ok := a.get(name)
	if !ok {
		return false
	}
	f, err := ParseFloat(v)
	if err != nil {
		a.bad(name, err)
		return false
	}
	*dst = f
	return true
}

// ref reads a bean reference written "#id".
func (a *attrs) ref(name string, dst *string) bool {
	v, ok := a.get(name)
	if !ok {
		return false
	}
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, "#") || len(v) == 1 {
		a.bad(name, fmt.Errorf("expected a bean reference \"#id\", got %q", v))
		return false
	}
	id := v[1:]
	if _, ok := a.d.beanNodes[id]; !ok {
		a.bad(name, fmt.Errorf("no bean with id %q", id))
		return false
	}
	*dst = id
	return true
}

// finish reports the attributes nobody used and returns all of them.
func (a *attrs) finish() map[string]string {
	known := " " + schemaAttrs[a.n.local] + " "
	for _, x := range a.n.attrs {
		name := x.local
		if _, ok := a.src[name]; !ok || a.used[name] || name == "id" {
			continue
		}
		if strings.Contains(known, " "+name+" ") {
			a.notActedOn(name)
		} else {
			a.d.warnAt(x.line, x.col, "<%s>: unknown attribute %s; ignored", a.n.local, name)
		}
	}
	return a.vals
}

// capture records an element and its subtree without interpreting it.
func (d *decoder) capture(n *xnode) *Element {
	e := &Element{Pos: d.pos(n), Space: n.space, Name: n.local, Attrs: map[string]string{}}
	for _, x := range n.attrs {
		if x.space == nsXMLNS || (x.space == "" && x.local == "xmlns") || x.space == nsXSI {
			continue
		}
		e.Attrs[x.local] = d.expand(x.line, x.col, fmt.Sprintf("<%s %s=%q>", n.local, x.local, x.raw), x.raw)
	}
	e.Text = d.text(n)
	for _, k := range n.kids {
		e.Children = append(e.Children, d.capture(k))
	}
	return e
}

// single returns the one element child of a property-style element such as
// <deadLetterStrategy>, warning about extras.
func (d *decoder) single(n *xnode) *xnode {
	var first *xnode
	for _, k := range n.kids {
		if first == nil {
			first = k
			continue
		}
		d.warn(k, "<%s> takes one element; extra <%s> ignored", n.local, k.local)
	}
	if first == nil {
		d.warn(n, "empty <%s>; ignored", n.local)
	}
	return first
}

// noAttrs warns about attributes on a wrapper element that takes none.
func (d *decoder) noAttrs(n *xnode) {
	d.attrsOf(n).finish()
}
