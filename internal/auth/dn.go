package auth

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// dnKeywords are the attribute names Java prints in a certificate's
// subject DN (X500Name.toString, which TextFileCertificateLoginModule
// compares with the users file).
var dnKeywords = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.12":                   "T",
	"2.5.4.9":                    "STREET",
	"0.9.2342.19200300.100.1.25": "DC",
	"2.5.4.46":                   "DNQUALIFIER",
	"2.5.4.4":                    "SURNAME",
	"2.5.4.42":                   "GIVENNAME",
	"2.5.4.43":                   "INITIALS",
	"2.5.4.44":                   "GENERATION",
	"1.2.840.113549.1.9.1":       "EMAILADDRESS",
	"0.9.2342.19200300.100.1.1":  "UID",
	"2.5.4.5":                    "SERIALNUMBER",
}

// keywordAliases maps other spellings onto dnKeywords' names.
var keywordAliases = map[string]string{"S": "ST", "EMAIL": "EMAILADDRESS", "E": "EMAILADDRESS"}

// SubjectDN renders a certificate's subject the way Java's
// X509Certificate.getSubjectDN().getName() does, most specific part first:
// "CN=client, OU=Test, O=Acme, L=Here, ST=There, C=DE". This is the form
// the users file of TextFileCertificateLoginModule holds.
func SubjectDN(cert *x509.Certificate) string {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(cert.RawSubject, &seq); err != nil || len(rest) > 0 {
		return cert.Subject.String()
	}
	parts := make([]string, 0, len(seq))
	for i := len(seq) - 1; i >= 0; i-- {
		avas := make([]string, 0, len(seq[i]))
		for _, a := range seq[i] {
			key, ok := dnKeywords[a.Type.String()]
			var val string
			if s, isStr := a.Value.(string); isStr {
				val = escapeDNValue(s)
			} else {
				val = fmt.Sprint(a.Value)
			}
			if !ok {
				key = "OID." + a.Type.String()
				if b, err := asn1.Marshal(a.Value); err == nil {
					val = "#" + hex.EncodeToString(b)
				}
			}
			avas = append(avas, key+"="+val)
		}
		parts = append(parts, strings.Join(avas, " + "))
	}
	return strings.Join(parts, ", ")
}

func escapeDNValue(s string) string {
	if !strings.ContainsAny(s, ",+=\"\\<>;#") && strings.TrimSpace(s) == s {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if strings.ContainsRune(",+=\"\\<>;", c) || (i == 0 && (c == '#' || c == ' ')) || (i == len(s)-1 && c == ' ') {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// normalizeDN puts a DN into a canonical form for comparison: RDNs split
// on unescaped ',' or ';', attribute names upper-cased (OIDs and aliases
// mapped to Java's keywords), values unquoted, unescaped, trimmed and
// lower-cased, multi-valued RDNs sorted.
func normalizeDN(dn string) string {
	rdns := splitDN(dn, ",;")
	out := make([]string, 0, len(rdns))
	for _, r := range rdns {
		avas := splitDN(r, "+")
		norm := make([]string, 0, len(avas))
		for _, a := range avas {
			k, v, ok := cutUnescaped(a, '=')
			if !ok {
				norm = append(norm, strings.ToLower(unescapeDN(a)))
				continue
			}
			k = strings.ToUpper(strings.TrimSpace(k))
			k = strings.TrimPrefix(k, "OID.")
			if kw, ok := dnKeywords[k]; ok {
				k = kw
			} else if kw, ok := keywordAliases[k]; ok {
				k = kw
			}
			norm = append(norm, k+"="+strings.ToLower(unescapeDN(v)))
		}
		sort.Strings(norm)
		out = append(out, strings.Join(norm, "+"))
	}
	return strings.Join(out, ",")
}

// splitDN splits on any of seps outside quotes and not escaped.
func splitDN(s, seps string) []string {
	var parts []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			cur.WriteByte(c)
			cur.WriteByte(s[i+1])
			i++
		case c == '"':
			quoted = !quoted
			cur.WriteByte(c)
		case !quoted && strings.IndexByte(seps, c) >= 0:
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, cur.String())
}

func cutUnescaped(s string, sep byte) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func unescapeDN(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			if i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]) {
				if x, err := hex.DecodeString(v[i+1 : i+3]); err == nil {
					b.Write(x)
					i += 2
					continue
				}
			}
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
