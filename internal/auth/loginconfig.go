package auth

import (
	"fmt"
	"strings"
)

// LoginModuleSpec is one module line of a JAAS login configuration entry.
type LoginModuleSpec struct {
	Class   string
	Flag    string // required, requisite, sufficient or optional
	Options map[string]string
	Line    int
}

// ParseLoginConfig reads a JAAS login configuration file (the login.config
// ActiveMQ ships in conf/):
//
//	activemq {
//	    org.apache.activemq.jaas.PropertiesLoginModule required
//	        org.apache.activemq.jaas.properties.user="users.properties"
//	        org.apache.activemq.jaas.properties.group="groups.properties";
//	};
//
// It returns the entries by name. // and /* */ comments are allowed; option
// values are quoted strings or bare words. ${name} in values is replaced
// by expand(name) when expand is not nil and knows the name.
func ParseLoginConfig(data string, expand func(string) (string, bool)) (map[string][]LoginModuleSpec, error) {
	t := &jaasLexer{s: data, line: 1}
	entries := map[string][]LoginModuleSpec{}
	for {
		tok, err := t.next()
		if err != nil {
			return nil, err
		}
		if tok.kind == tokEOF {
			return entries, nil
		}
		if tok.kind != tokWord && tok.kind != tokString {
			return nil, fmt.Errorf("line %d: expected an entry name, found %q", tok.line, tok.text)
		}
		name := tok.text
		if err := t.expect("{"); err != nil {
			return nil, err
		}
		var mods []LoginModuleSpec
		for {
			tok, err := t.next()
			if err != nil {
				return nil, err
			}
			if tok.kind == tokPunct && tok.text == "}" {
				break
			}
			if tok.kind != tokWord {
				return nil, fmt.Errorf("line %d: expected a login module class in entry %s, found %q", tok.line, name, tok.text)
			}
			m := LoginModuleSpec{Class: tok.text, Options: map[string]string{}, Line: tok.line}
			flag, err := t.next()
			if err != nil {
				return nil, err
			}
			switch f := strings.ToLower(flag.text); {
			case flag.kind == tokWord && (f == "required" || f == "requisite" || f == "sufficient" || f == "optional"):
				m.Flag = f
			default:
				return nil, fmt.Errorf("line %d: login module %s: expected required, requisite, sufficient or optional, found %q", flag.line, m.Class, flag.text)
			}
			for {
				tok, err := t.next()
				if err != nil {
					return nil, err
				}
				if tok.kind == tokPunct && tok.text == ";" {
					break
				}
				if tok.kind != tokWord {
					return nil, fmt.Errorf("line %d: login module %s: expected an option name or ';', found %q", tok.line, m.Class, tok.text)
				}
				if err := t.expect("="); err != nil {
					return nil, err
				}
				val, err := t.next()
				if err != nil {
					return nil, err
				}
				if val.kind != tokWord && val.kind != tokString {
					return nil, fmt.Errorf("line %d: option %s: expected a value, found %q", val.line, tok.text, val.text)
				}
				m.Options[tok.text] = expandVars(val.text, expand)
			}
			mods = append(mods, m)
		}
		if err := t.expect(";"); err != nil {
			return nil, err
		}
		if len(mods) == 0 {
			return nil, fmt.Errorf("entry %s has no login modules", name)
		}
		entries[name] = append(entries[name], mods...)
	}
}

func expandVars(s string, expand func(string) (string, bool)) string {
	if expand == nil || !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		name := s[i+2 : i+j]
		if v, ok := expand(name); ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokString
	tokPunct
)

type token struct {
	kind tokKind
	text string
	line int
}

type jaasLexer struct {
	s    string
	pos  int
	line int
}

func (t *jaasLexer) expect(p string) error {
	tok, err := t.next()
	if err != nil {
		return err
	}
	if tok.kind != tokPunct || tok.text != p {
		if tok.kind == tokEOF {
			return fmt.Errorf("line %d: expected %q, found the end of the file", tok.line, p)
		}
		return fmt.Errorf("line %d: expected %q, found %q", tok.line, p, tok.text)
	}
	return nil
}

func (t *jaasLexer) next() (token, error) {
	for t.pos < len(t.s) {
		c := t.s[t.pos]
		switch {
		case c == '\n':
			t.line++
			t.pos++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f':
			t.pos++
		case strings.HasPrefix(t.s[t.pos:], "//") || c == '#':
			for t.pos < len(t.s) && t.s[t.pos] != '\n' {
				t.pos++
			}
		case strings.HasPrefix(t.s[t.pos:], "/*"):
			end := strings.Index(t.s[t.pos+2:], "*/")
			if end < 0 {
				return token{}, fmt.Errorf("line %d: unterminated comment", t.line)
			}
			t.line += strings.Count(t.s[t.pos:t.pos+2+end], "\n")
			t.pos += end + 4
		case c == '{' || c == '}' || c == ';' || c == '=':
			t.pos++
			return token{kind: tokPunct, text: string(c), line: t.line}, nil
		case c == '"' || c == '\'':
			start := t.line
			var b strings.Builder
			t.pos++
			for {
				if t.pos >= len(t.s) {
					return token{}, fmt.Errorf("line %d: unterminated string", start)
				}
				d := t.s[t.pos]
				if d == c {
					t.pos++
					break
				}
				if d == '\n' {
					t.line++
				}
				if d == '\\' && t.pos+1 < len(t.s) {
					t.pos++
					switch e := t.s[t.pos]; e {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'r':
						b.WriteByte('\r')
					default:
						b.WriteByte(e)
					}
					t.pos++
					continue
				}
				b.WriteByte(d)
				t.pos++
			}
			return token{kind: tokString, text: b.String(), line: start}, nil
		default:
			start := t.pos
			for t.pos < len(t.s) {
				d := t.s[t.pos]
				if d == ' ' || d == '\t' || d == '\r' || d == '\n' || d == '\f' || d == '{' || d == '}' || d == ';' || d == '=' || d == '"' || d == '\'' {
					break
				}
				if strings.HasPrefix(t.s[t.pos:], "//") || strings.HasPrefix(t.s[t.pos:], "/*") {
					break
				}
				t.pos++
			}
			return token{kind: tokWord, text: t.s[start:t.pos], line: t.line}, nil
		}
	}
	return token{kind: tokEOF, line: t.line}, nil
}
