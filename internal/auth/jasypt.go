package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// DefaultAlgorithm is the algorithm `activemq encrypt` uses unless told
// otherwise (Jasypt's default).
const DefaultAlgorithm = "PBEWithMD5AndDES"

// EncryptionPasswordEnv names the environment variable ActiveMQ reads the
// encryption password from.
const EncryptionPasswordEnv = "ACTIVEMQ_ENCRYPTION_PASSWORD"

// jasyptIterations is Jasypt's default key-obtention iteration count.
const jasyptIterations = 1000

// ErrDecrypt is returned when a value cannot be decrypted: wrong password,
// wrong algorithm or a damaged value.
var ErrDecrypt = errors.New("text cannot be decrypted, check the input and the password")

// Encrypt encrypts plaintext the way `activemq encrypt --password P --input X`
// does (Jasypt StandardPBEStringEncryptor, PBEWithMD5AndDES, 1000
// iterations, random 8-byte salt prepended, base64). The result goes into a
// properties file as ENC(result).
func Encrypt(password, plaintext string) (string, error) {
	return EncryptWith(DefaultAlgorithm, password, plaintext)
}

// Decrypt reverses Encrypt. enc may be wrapped in ENC(...).
func Decrypt(password, enc string) (string, error) {
	return DecryptWith(DefaultAlgorithm, password, enc)
}

// EncryptWith is Encrypt with a Jasypt algorithm name, as given to
// `activemq encrypt --algorithm`: PBEWithMD5AndDES or one of the
// PBEWithHmacSHA{1,224,256,384,512}AndAES_{128,256} algorithms (random
// 16-byte salt and IV, both prepended).
func EncryptWith(algorithm, password, plaintext string) (string, error) {
	alg, err := jasyptAlgorithm(algorithm)
	if err != nil {
		return "", err
	}
	if password == "" {
		return "", errors.New("encryption password is empty")
	}
	salt := make([]byte, alg.saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	var iv []byte
	if alg.aes {
		iv = make([]byte, aes.BlockSize)
		if _, err := rand.Read(iv); err != nil {
			return "", err
		}
	}
	block, iv2, err := alg.cipher(password, salt, iv)
	if err != nil {
		return "", err
	}
	pt := pkcs5Pad([]byte(plaintext), block.BlockSize())
	ct := make([]byte, len(pt))
	cipher.NewCBCEncrypter(block, iv2).CryptBlocks(ct, pt)
	out := make([]byte, 0, len(salt)+len(iv)+len(ct))
	out = append(append(append(out, salt...), iv...), ct...)
	return base64.StdEncoding.EncodeToString(out), nil
}

// DecryptWith is Decrypt with a Jasypt algorithm name (see EncryptWith).
func DecryptWith(algorithm, password, enc string) (string, error) {
	alg, err := jasyptAlgorithm(algorithm)
	if err != nil {
		return "", err
	}
	enc = strings.TrimSpace(enc)
	if strings.HasPrefix(enc, "ENC(") && strings.HasSuffix(enc, ")") {
		enc = enc[4 : len(enc)-1]
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", fmt.Errorf("%w (not base64)", ErrDecrypt)
	}
	head := alg.saltLen
	if alg.aes {
		head += aes.BlockSize
	}
	bs := alg.blockSize()
	if len(raw) < head+bs || (len(raw)-head)%bs != 0 {
		return "", fmt.Errorf("%w (wrong length)", ErrDecrypt)
	}
	salt := raw[:alg.saltLen]
	var iv []byte
	if alg.aes {
		iv = raw[alg.saltLen:head]
	}
	block, iv2, err := alg.cipher(password, salt, iv)
	if err != nil {
		return "", err
	}
	ct := raw[head:]
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv2).CryptBlocks(pt, ct)
	pt, ok := pkcs5Unpad(pt, bs)
	if !ok {
		return "", ErrDecrypt
	}
	return string(pt), nil
}

// IsEncrypted reports whether a property value has the ENC(...) form.
func IsEncrypted(v string) bool {
	v = strings.TrimSpace(v)
	return strings.HasPrefix(v, "ENC(") && strings.HasSuffix(v, ")")
}

type pbeAlgorithm struct {
	aes     bool
	keyLen  int // AES key bytes
	prf     func() hash.Hash
	saltLen int
}

func (a pbeAlgorithm) blockSize() int {
	if a.aes {
		return aes.BlockSize
	}
	return des.BlockSize
}

// cipher derives the key (and, for DES, the IV) from the password and salt.
func (a pbeAlgorithm) cipher(password string, salt, iv []byte) (cipher.Block, []byte, error) {
	if a.aes {
		key, err := pbkdf2.Key(a.prf, password, salt, jasyptIterations, a.keyLen)
		if err != nil {
			return nil, nil, err
		}
		b, err := aes.NewCipher(key)
		return b, iv, err
	}
	// PBKDF1 with MD5 (PKCS #5 v1.5): the password's chars are taken as
	// single bytes, as Java's PBEWithMD5AndDES does.
	pw := make([]byte, 0, len(password)+len(salt))
	for _, r := range password {
		if r > 0x7f {
			return nil, nil, errors.New("PBEWithMD5AndDES needs an ASCII password")
		}
		pw = append(pw, byte(r))
	}
	h := md5.Sum(append(pw, salt...))
	for i := 1; i < jasyptIterations; i++ {
		h = md5.Sum(h[:])
	}
	b, err := des.NewCipher(h[:8])
	return b, h[8:16], err
}

func jasyptAlgorithm(name string) (pbeAlgorithm, error) {
	n := strings.ToUpper(strings.TrimSpace(name))
	if n == "" || n == "PBEWITHMD5ANDDES" {
		return pbeAlgorithm{saltLen: 8}, nil
	}
	prfs := map[string]func() hash.Hash{
		"SHA1": sha1.New, "SHA224": sha256.New224, "SHA256": sha256.New,
		"SHA384": sha512.New384, "SHA512": sha512.New,
	}
	if rest, ok := strings.CutPrefix(n, "PBEWITHHMAC"); ok {
		h, size, ok := strings.Cut(rest, "ANDAES_")
		prf := prfs[h]
		if ok && prf != nil && (size == "128" || size == "256") {
			kl := 16
			if size == "256" {
				kl = 32
			}
			return pbeAlgorithm{aes: true, keyLen: kl, prf: prf, saltLen: aes.BlockSize}, nil
		}
	}
	return pbeAlgorithm{}, fmt.Errorf("unsupported encryption algorithm %q (use PBEWithMD5AndDES or PBEWithHmacSHA256AndAES_256 and the like)", name)
}

func pkcs5Pad(b []byte, bs int) []byte {
	n := bs - len(b)%bs
	out := make([]byte, len(b), len(b)+n)
	copy(out, b)
	for range n {
		out = append(out, byte(n))
	}
	return out
}

func pkcs5Unpad(b []byte, bs int) ([]byte, bool) {
	if len(b) == 0 {
		return nil, false
	}
	n := int(b[len(b)-1])
	if n < 1 || n > bs || n > len(b) {
		return nil, false
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			return nil, false
		}
	}
	return b[:len(b)-n], true
}
