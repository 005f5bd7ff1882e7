package transport

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"strings"
)

// loadPEMPair reads a certificate chain and a private key from PEM files:
// both from certFile, or the key from keyFile, or from a file next to
// certFile named like it with the extension .key (or -key.pem).
func loadPEMPair(certFile, keyFile, keyPass string) ([]tls.Certificate, error) {
	fail := func(file string, err error) ([]tls.Certificate, error) {
		return nil, &StoreError{Kind: "keystore", File: file, Err: err}
	}
	if keyFile != "" && !filepath.IsAbs(keyFile) {
		keyFile = filepath.Join(filepath.Dir(certFile), keyFile)
	}
	data, err := os.ReadFile(certFile)
	if err != nil {
		return fail(certFile, readErr(err))
	}
	certs, err := pemCerts(data)
	if err != nil {
		return fail(certFile, err)
	}
	if len(certs) == 0 {
		return fail(certFile, errors.New("no CERTIFICATE in the PEM file"))
	}
	key, err := pemKey(data, keyPass)
	if err != nil {
		return fail(certFile, err)
	}
	if key == nil {
		if keyFile == "" {
			base := strings.TrimSuffix(certFile, filepath.Ext(certFile))
			for _, cand := range []string{base + ".key", base + "-key.pem", base + ".key.pem"} {
				if _, err := os.Stat(cand); err == nil {
					keyFile = cand
					break
				}
			}
		}
		if keyFile == "" {
			return fail(certFile, errors.New("no PRIVATE KEY in the PEM file (put the key in the same file, name both files as keyStore=\"cert.pem,key.pem\", or put it next to the certificate as .key)"))
		}
		kd, err := os.ReadFile(keyFile)
		if err != nil {
			return fail(keyFile, readErr(err))
		}
		if key, err = pemKey(kd, keyPass); err != nil {
			return fail(keyFile, err)
		}
		if key == nil {
			return fail(keyFile, errors.New("no PRIVATE KEY in the PEM file"))
		}
	}
	c, err := tlsCertificate(key, certs)
	if err != nil {
		return fail(certFile, err)
	}
	return []tls.Certificate{c}, nil
}

// pemKey returns the first private key in data, nil if there is none.
func pemKey(data []byte, pass string) (crypto.PrivateKey, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, nil
		}
		switch {
		case b.Type == "ENCRYPTED PRIVATE KEY":
			if pass == "" {
				return nil, errors.New("the private key is encrypted; set keyStoreKeyPassword (or keyStorePassword)")
			}
			der, err := decryptPKCS8(b.Bytes, pass)
			if err != nil {
				return nil, err
			}
			return parseAnyKey(der)
		case strings.HasSuffix(b.Type, "PRIVATE KEY"):
			der := b.Bytes
			// Legacy OpenSSL encryption (Proc-Type: 4,ENCRYPTED).
			if x509.IsEncryptedPEMBlock(b) {
				if pass == "" {
					return nil, errors.New("the private key is encrypted; set keyStoreKeyPassword (or keyStorePassword)")
				}
				var err error
				if der, err = x509.DecryptPEMBlock(b, []byte(pass)); err != nil {
					return nil, ErrWrongPassword
				}
			}
			return parseAnyKey(der)
		}
	}
}

func parseAnyKey(der []byte) (crypto.PrivateKey, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("cannot parse the private key (PKCS#8, PKCS#1 or SEC 1 expected)")
}

var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
)

type encryptedPrivateKeyInfo struct {
	Algo pkix.AlgorithmIdentifier
	Data []byte
}

type pbes2Params struct {
	KDF    pkix.AlgorithmIdentifier
	Scheme pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt      []byte
	Iter      int
	KeyLength int                      `asn1:"optional"`
	PRF       pkix.AlgorithmIdentifier `asn1:"optional"`
}

// decryptPKCS8 decrypts an "ENCRYPTED PRIVATE KEY" (PKCS#8 with PBES2 and
// PBKDF2, as openssl genpkey/pkcs8 write), returning the PKCS#8 DER.
func decryptPKCS8(der []byte, pass string) ([]byte, error) {
	var info encryptedPrivateKeyInfo
	if _, err := asn1.Unmarshal(der, &info); err != nil {
		return nil, fmt.Errorf("cannot parse the encrypted private key: %v", err)
	}
	if !info.Algo.Algorithm.Equal(oidPBES2) {
		return nil, fmt.Errorf("encrypted private key uses %v; only PBES2 is supported (re-encrypt with openssl pkcs8 -topk8 -v2 aes-256-cbc)", info.Algo.Algorithm)
	}
	var p pbes2Params
	if _, err := asn1.Unmarshal(info.Algo.Parameters.FullBytes, &p); err != nil {
		return nil, fmt.Errorf("cannot parse PBES2 parameters: %v", err)
	}
	if !p.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, fmt.Errorf("encrypted private key uses key derivation %v; only PBKDF2 is supported", p.KDF.Algorithm)
	}
	var kp pbkdf2Params
	if _, err := asn1.Unmarshal(p.KDF.Parameters.FullBytes, &kp); err != nil {
		return nil, fmt.Errorf("cannot parse PBKDF2 parameters: %v", err)
	}
	var prf func() hash.Hash
	switch a := kp.PRF.Algorithm; {
	case len(a) == 0 || a.Equal(oidHMACSHA1):
		prf = sha1.New
	case a.Equal(oidHMACSHA224):
		prf = sha256.New224
	case a.Equal(oidHMACSHA256):
		prf = sha256.New
	case a.Equal(oidHMACSHA384):
		prf = sha512.New384
	case a.Equal(oidHMACSHA512):
		prf = sha512.New
	default:
		return nil, fmt.Errorf("PBKDF2 PRF %v is not supported", a)
	}
	var keyLen int
	var newCipher func([]byte) (cipher.Block, error)
	switch s := p.Scheme.Algorithm; {
	case s.Equal(oidAES128CBC):
		keyLen, newCipher = 16, aes.NewCipher
	case s.Equal(oidAES192CBC):
		keyLen, newCipher = 24, aes.NewCipher
	case s.Equal(oidAES256CBC):
		keyLen, newCipher = 32, aes.NewCipher
	case s.Equal(oidDESEDE3CBC):
		keyLen, newCipher = 24, des.NewTripleDESCipher
	default:
		return nil, fmt.Errorf("encryption scheme %v is not supported (AES-CBC or DES-EDE3-CBC)", s)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(p.Scheme.Parameters.FullBytes, &iv); err != nil {
		return nil, fmt.Errorf("cannot parse the IV: %v", err)
	}
	key, err := pbkdf2.Key(prf, pass, kp.Salt, kp.Iter, keyLen)
	if err != nil {
		return nil, err
	}
	block, err := newCipher(key)
	if err != nil {
		return nil, err
	}
	if len(iv) != block.BlockSize() || len(info.Data)%block.BlockSize() != 0 || len(info.Data) == 0 {
		return nil, errors.New("malformed encrypted private key")
	}
	out := make([]byte, len(info.Data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, info.Data)
	n := int(out[len(out)-1])
	if n < 1 || n > block.BlockSize() {
		return nil, ErrWrongPassword
	}
	for _, c := range out[len(out)-n:] {
		if int(c) != n {
			return nil, ErrWrongPassword
		}
	}
	out = out[:len(out)-n]
	if _, err := parseAnyKey(out); err != nil {
		return nil, ErrWrongPassword
	}
	return out, nil
}
