package config

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// jasyptConfig describes a Jasypt StandardPBEStringEncryptor, as used by
// ActiveMQ's encrypted-passwords setup (EncryptablePropertyPlaceholderConfigurer
// with ENC(...) values in credentials-enc.properties).
type jasyptConfig struct {
	algorithm  string
	password   string
	iterations int
	problem    string // why values cannot be decrypted, if they cannot
}

// decrypt turns ENC(base64) into plain text; other values pass through.
func (j *jasyptConfig) decrypt(key, val string) (string, error) {
	t := strings.TrimSpace(val)
	if !strings.HasPrefix(t, "ENC(") || !strings.HasSuffix(t, ")") {
		return val, nil
	}
	if j.problem != "" {
		return "", fmt.Errorf("cannot decrypt property %s: %s", key, j.problem)
	}
	out, err := jasyptDecrypt(j.algorithm, j.password, j.iterations, t[4:len(t)-1])
	if err != nil {
		return "", fmt.Errorf("cannot decrypt property %s: %v", key, err)
	}
	return out, nil
}

// jasyptDecrypt implements Jasypt's default PBEWithMD5AndDES string
// decryption: base64(salt[8] || DES-CBC ciphertext), key and IV derived with
// PBKDF1-MD5 over password||salt.
func jasyptDecrypt(algorithm, password string, iterations int, b64 string) (string, error) {
	if !strings.EqualFold(algorithm, "PBEWithMD5AndDES") {
		return "", fmt.Errorf("unsupported algorithm %s (only PBEWithMD5AndDES)", algorithm)
	}
	if iterations <= 0 {
		iterations = 1000
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", errors.New("value is not base64")
	}
	if len(raw) < 16 || (len(raw)-8)%des.BlockSize != 0 {
		return "", errors.New("value has the wrong length")
	}
	salt, ct := raw[:8], raw[8:]
	pw := make([]byte, 0, len(password))
	for _, r := range password {
		pw = append(pw, byte(r))
	}
	h := md5.Sum(append(pw, salt...))
	for i := 1; i < iterations; i++ {
		h = md5.Sum(h[:])
	}
	block, err := des.NewCipher(h[:8])
	if err != nil {
		return "", err
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, h[8:16]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > des.BlockSize {
		return "", errors.New("wrong password or corrupt value")
	}
	for _, b := range pt[len(pt)-pad:] {
		if int(b) != pad {
			return "", errors.New("wrong password or corrupt value")
		}
	}
	return string(pt[:len(pt)-pad]), nil
}
