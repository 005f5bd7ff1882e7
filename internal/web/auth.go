package web

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// RealmFile is the user file ActiveMQ's Jetty reads, in activemq.conf.
const RealmFile = "jetty-realm.properties"

// RealmName is the Basic auth realm ActiveMQ's console announces.
const RealmName = "ActiveMQRealm"

// Roles: RoleAdmin may change things, RoleUser may only look.
const (
	RoleAdmin = "admin"
	RoleUser  = "user"
)

type account struct {
	name     string
	password string // plain, or "MD5:<hex>"
	roles    map[string]bool
}

// realm holds the console's users.
type realm struct {
	users map[string]*account
	// fallback is set when no user file exists and admin/admin is in force.
	fallback bool
	source   string
}

// loadRealm reads path in Jetty's HashLoginService format
// (`name: password[, role ...]`). A missing file gives the admin/admin
// fallback ActiveMQ ships with; any other read error is returned.
func loadRealm(path string) (*realm, []string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &realm{
			users:    map[string]*account{"admin": {name: "admin", password: "admin", roles: map[string]bool{RoleAdmin: true}}},
			fallback: true,
			source:   path,
		}, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	r, warns := parseRealm(data)
	r.source = path
	return r, warns, nil
}

// parseRealm parses a jetty-realm.properties file; the returned warnings
// name lines that were skipped.
func parseRealm(data []byte) (*realm, []string) {
	r := &realm{users: map[string]*account{}}
	var warns []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		sep := strings.IndexAny(line, ":=")
		if sep <= 0 {
			warns = append(warns, fmt.Sprintf("line %d: no `name: password` separator", n))
			continue
		}
		name := strings.TrimSpace(line[:sep])
		fields := strings.Split(line[sep+1:], ",")
		pw := strings.TrimSpace(fields[0])
		acc := &account{name: name, roles: map[string]bool{}}
		for _, role := range fields[1:] {
			if role = strings.TrimSpace(role); role != "" {
				acc.roles[role] = true
			}
		}
		switch {
		case strings.HasPrefix(pw, "OBF:"):
			plain, err := deobfuscate(pw[4:])
			if err != nil {
				warns = append(warns, fmt.Sprintf("line %d: user %q: %v", n, name, err))
				continue
			}
			pw = plain
		case strings.HasPrefix(pw, "MD5:"):
			if _, err := hex.DecodeString(pw[4:]); err != nil || len(pw) != 4+32 {
				warns = append(warns, fmt.Sprintf("line %d: user %q: MD5 password is not 32 hex digits", n, name))
				continue
			}
			pw = "MD5:" + strings.ToLower(pw[4:])
		case strings.HasPrefix(pw, "CRYPT:"):
			warns = append(warns, fmt.Sprintf("line %d: user %q: CRYPT passwords are not supported; use MD5: or OBF:", n, name))
			continue
		}
		acc.password = pw
		r.users[name] = acc
	}
	return r, warns
}

// deobfuscate undoes Jetty's OBF: password obfuscation (not encryption).
func deobfuscate(s string) (string, error) {
	var out []byte
	for i := 0; i < len(s); {
		if s[i] == 'U' {
			if i+5 > len(s) {
				return "", errors.New("truncated OBF: value")
			}
			v, err := strconv.ParseInt(s[i+1:i+5], 36, 32)
			if err != nil {
				return "", fmt.Errorf("bad OBF: value: %w", err)
			}
			out = append(out, byte(v>>8))
			i += 5
			continue
		}
		if i+4 > len(s) {
			return "", errors.New("truncated OBF: value")
		}
		v, err := strconv.ParseInt(s[i:i+4], 36, 32)
		if err != nil {
			return "", fmt.Errorf("bad OBF: value: %w", err)
		}
		i1, i2 := v/256, v%256
		out = append(out, byte((i1+i2-254)/2))
		i += 4
	}
	return string(out), nil
}

// check returns the account when name and password match.
func (r *realm) check(name, password string) *account {
	acc := r.users[name]
	if acc == nil {
		// Spend the same time as a real comparison.
		subtle.ConstantTimeCompare([]byte(password), []byte(password))
		return nil
	}
	want := acc.password
	got := password
	if strings.HasPrefix(want, "MD5:") {
		sum := md5.Sum([]byte(password))
		got = "MD5:" + hex.EncodeToString(sum[:])
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return nil
	}
	return acc
}

func (a *account) isAdmin() bool  { return a.roles[RoleAdmin] }
func (a *account) canView() bool  { return a.roles[RoleAdmin] || a.roles[RoleUser] }
func (a *account) String() string { return a.name }

type ctxKey int

const accountKey ctxKey = 0

func accountOf(r *http.Request) *account {
	a, _ := r.Context().Value(accountKey).(*account)
	return a
}

// authenticate answers 401 with the Basic challenge unless the request
// carries valid credentials.
func (c *Console) authenticate(r *http.Request) *account {
	user, pw, ok := r.BasicAuth()
	if !ok {
		return nil
	}
	return c.realm.check(user, pw)
}

func challenge(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="`+RealmName+`", charset="UTF-8"`)
	http.Error(w, "401 Unauthorized: log in with a user from "+RealmFile, http.StatusUnauthorized)
}

// csrfToken is the per-user token the console's forms carry. It is an HMAC
// of the user name under a key made at start-up, so it needs no session
// state and dies with the process.
func (c *Console) csrfToken(a *account) string {
	m := hmac.New(sha256.New, c.csrfKey)
	m.Write([]byte("csrf\x00" + a.name))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (c *Console) validCSRF(r *http.Request, a *account) bool {
	got := r.PostFormValue("secret")
	if got == "" {
		got = r.Header.Get("X-CSRF-Token")
	}
	want := c.csrfToken(a)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// crossSite reports a request a browser made on behalf of another site:
// browsers replay cached Basic credentials, so a page elsewhere could
// otherwise drive the management API.
func crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	}
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return origin == "null"
	}
	u, err := url.Parse(origin)
	if err != nil {
		return true
	}
	return !strings.EqualFold(u.Host, r.Host)
}
