package config

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseProperties reads a Java .properties file (java.util.Properties.load
// syntax: # and ! comments, key=value, key:value or key value, backslash
// line continuations and escapes including \uXXXX). Java reads these files as
// ISO-8859-1; a file that is valid UTF-8 is read as UTF-8 instead, which is
// what people who write non-ASCII into them mean.
func ParseProperties(data []byte) (map[string]string, error) {
	var text string
	if utf8.Valid(data) {
		text = string(data)
	} else {
		b := make([]rune, len(data))
		for i, c := range data {
			b[i] = rune(c)
		}
		text = string(b)
	}
	props := map[string]string{}
	lineNo := 0
	rest := text
	for rest != "" {
		// Gather one logical line.
		var logical strings.Builder
		startLine := lineNo + 1
		first := true
		for {
			var nat string
			i := strings.IndexAny(rest, "\r\n")
			if i < 0 {
				nat, rest = rest, ""
			} else {
				nat = rest[:i]
				if rest[i] == '\r' && i+1 < len(rest) && rest[i+1] == '\n' {
					rest = rest[i+2:]
				} else {
					rest = rest[i+1:]
				}
			}
			lineNo++
			nat = strings.TrimLeft(nat, " \t\f")
			if first && (nat == "" || nat[0] == '#' || nat[0] == '!') {
				break
			}
			first = false
			bs := 0
			for j := len(nat) - 1; j >= 0 && nat[j] == '\\'; j-- {
				bs++
			}
			if bs%2 == 1 {
				logical.WriteString(nat[:len(nat)-1])
				if rest == "" {
					break
				}
				continue
			}
			logical.WriteString(nat)
			break
		}
		line := logical.String()
		if line == "" {
			continue
		}
		// Split the key from the value.
		keyEnd, valStart := len(line), len(line)
		for j := 0; j < len(line); j++ {
			c := line[j]
			if c == '\\' {
				j++
				continue
			}
			if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
				keyEnd = j
				k := j
				for k < len(line) && (line[k] == ' ' || line[k] == '\t' || line[k] == '\f') {
					k++
				}
				if k < len(line) && (line[k] == '=' || line[k] == ':') && (c == ' ' || c == '\t' || c == '\f') {
					k++
				} else if c == '=' || c == ':' {
					k = j + 1
				}
				for k < len(line) && (line[k] == ' ' || line[k] == '\t' || line[k] == '\f') {
					k++
				}
				valStart = k
				break
			}
		}
		key, err := unescapeProperty(line[:keyEnd])
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", startLine, err)
		}
		val, err := unescapeProperty(line[valStart:])
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", startLine, err)
		}
		props[key] = val
	}
	return props, nil
}

func unescapeProperty(s string) (string, error) {
	if !strings.Contains(s, "\\") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+5 > len(s) {
				return "", fmt.Errorf("malformed \\uxxxx escape")
			}
			v, err := strconv.ParseUint(s[i+1:i+5], 16, 16)
			if err != nil {
				return "", fmt.Errorf("malformed \\uxxxx escape")
			}
			r := rune(v)
			// Join a UTF-16 surrogate pair written as two escapes.
			if r >= 0xd800 && r < 0xdc00 && i+11 <= len(s) && s[i+5] == '\\' && s[i+6] == 'u' {
				if lo, err := strconv.ParseUint(s[i+7:i+11], 16, 16); err == nil && lo >= 0xdc00 && lo < 0xe000 {
					r = (r-0xd800)<<10 + (rune(lo) - 0xdc00) + 0x10000
					i += 6
				}
			}
			b.WriteRune(r)
			i += 4
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}
