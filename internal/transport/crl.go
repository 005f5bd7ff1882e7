package transport

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// crlSet is the revoked serial numbers of the CRLs in an sslContext's
// crlPath, by issuer.
type crlSet struct {
	lists []*x509.RevocationList
}

func loadCRL(file string) (*crlSet, error) {
	fail := func(err error) (*crlSet, error) {
		return nil, &StoreError{Kind: "crl", File: file, Err: err}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return fail(readErr(err))
	}
	var ders [][]byte
	if bytes.Contains(data, []byte("-----BEGIN")) {
		rest := data
		for {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			if b.Type == "X509 CRL" {
				ders = append(ders, b.Bytes)
			}
		}
	} else {
		ders = append(ders, data)
	}
	if len(ders) == 0 {
		return fail(errors.New("no X509 CRL in the file"))
	}
	s := &crlSet{}
	for i, d := range ders {
		l, err := x509.ParseRevocationList(d)
		if err != nil {
			return fail(fmt.Errorf("CRL %d: %v", i+1, err))
		}
		s.lists = append(s.lists, l)
	}
	return s, nil
}

// verify refuses a verified chain in which a certificate is revoked by a
// CRL of its issuer (signature checked).
func (s *crlSet) verify(_ [][]byte, chains [][]*x509.Certificate) error {
	for _, chain := range chains {
		for i, c := range chain {
			for _, l := range s.lists {
				if !bytes.Equal(l.RawIssuer, c.RawIssuer) {
					continue
				}
				if i+1 < len(chain) {
					if err := l.CheckSignatureFrom(chain[i+1]); err != nil {
						continue
					}
				}
				for _, r := range l.RevokedCertificateEntries {
					if r.SerialNumber != nil && r.SerialNumber.Cmp(c.SerialNumber) == 0 {
						return fmt.Errorf("certificate %s (serial %s) is revoked", c.Subject, c.SerialNumber)
					}
				}
			}
		}
	}
	return nil
}
