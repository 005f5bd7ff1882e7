package auth

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"amq/broker"
	"amq/internal/config"
)

// Login module classes understood in login.config.
const (
	PropertiesLoginModule          = "org.apache.activemq.jaas.PropertiesLoginModule"
	GuestLoginModule               = "org.apache.activemq.jaas.GuestLoginModule"
	TextFileCertificateLoginModule = "org.apache.activemq.jaas.TextFileCertificateLoginModule"
)

// LoginConfigEnv, when set, names the login configuration file, like
// -Djava.security.auth.login.config for ActiveMQ.
const LoginConfigEnv = "ACTIVEMQ_LOGIN_CONFIG"

// JAAS is jaasAuthenticationPlugin, jaasCertificateAuthenticationPlugin
// and jaasDualAuthenticationPlugin over a login.config file.
type JAAS struct {
	kind  string
	entry []loginModule // the configuration entry
	ssl   []loginModule // jaasDualAuthenticationPlugin: for TLS connections
	name  string
	sslNm string
}

// NewJAAS reads the login configuration of a JAAS plugin: getenv(LoginConfigEnv)
// when set, else login.config in the conf directory (where ActiveMQ's
// start script points java.security.auth.login.config). The properties
// files the modules name are read now, so a missing file stops the start.
func NewJAAS(p *config.JAASAuthenticationPlugin, paths config.Paths, getenv func(string) string) (*JAAS, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	file := getenv(LoginConfigEnv)
	if file == "" {
		file = filepath.Join(paths.Conf, "login.config")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: <%s> needs a JAAS login configuration, but %s does not exist", p.Pos, p.Kind, file)
		}
		return nil, fmt.Errorf("%s: <%s>: %w", p.Pos, p.Kind, err)
	}
	expand := func(name string) (string, bool) {
		switch name {
		case "activemq.conf":
			return paths.Conf, true
		case "activemq.base":
			return paths.Base, true
		case "activemq.home":
			return paths.Home, true
		case "activemq.data":
			return paths.Data, true
		case "java.security.auth.login.config":
			return file, true
		}
		return "", false
	}
	entries, err := ParseLoginConfig(string(data), expand)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	j := &JAAS{kind: p.Kind, name: p.Configuration}
	if j.name == "" {
		j.name = "activemq"
	}
	build := func(name string) ([]loginModule, error) {
		specs, ok := entries[name]
		if !ok {
			return nil, fmt.Errorf("%s: <%s configuration=%q>: %s has no entry %q", p.Pos, p.Kind, name, file, name)
		}
		var mods []loginModule
		for _, s := range specs {
			m, err := newLoginModule(s, filepath.Dir(file), getenv)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", file, s.Line, err)
			}
			mods = append(mods, m)
		}
		return mods, nil
	}
	if j.entry, err = build(j.name); err != nil {
		return nil, err
	}
	if p.Kind == "jaasDualAuthenticationPlugin" {
		j.sslNm = p.SSLConfiguration
		if j.sslNm == "" {
			j.sslNm = "activemq-ssl"
		}
		if j.ssl, err = build(j.sslNm); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// credentials is what a login module may look at.
type credentials struct {
	login    string
	passcode string
	hasPass  bool
	certs    []*x509.Certificate // verified client chain, leaf first
}

// subject is what a successful module contributes.
type subject struct {
	user   string
	groups []string
}

type loginModule struct {
	flag  string
	class string
	login func(c *credentials) (*subject, error)
}

// Authenticate implements Authenticator, running the entry's modules with
// JAAS's flag semantics (required, requisite, sufficient, optional). The
// plain plugin uses login/passcode; the certificate plugin the verified
// client certificate; the dual plugin the "activemq-ssl" entry for TLS
// connections and the other for plain ones.
func (j *JAAS) Authenticate(login, passcode string, cs *tls.ConnectionState) (*broker.User, error) {
	c := &credentials{login: login, passcode: passcode, hasPass: passcode != ""}
	if cs != nil && len(cs.VerifiedChains) > 0 && len(cs.VerifiedChains[0]) > 0 {
		c.certs = cs.VerifiedChains[0]
	}
	mods := j.entry
	switch j.kind {
	case "jaasCertificateAuthenticationPlugin":
		if c.certs == nil {
			return nil, badCredentials(login, "Unable to authenticate transport without SSL certificate.")
		}
	case "jaasDualAuthenticationPlugin":
		if cs != nil {
			mods = j.ssl
		}
	}
	subj, err := runModules(mods, c)
	if err != nil {
		return nil, badCredentials(login, err.Error())
	}
	name := subj.user
	if name == "" {
		name = login
	}
	return &broker.User{Name: name, Groups: subj.groups}, nil
}

func runModules(mods []loginModule, c *credentials) (*subject, error) {
	var (
		subjects   []*subject
		firstErr   error
		reqFailed  bool
		hasReq     bool
		anySucceed bool
	)
	for _, m := range mods {
		s, err := m.login(c)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("%s: %w", shortClass(m.class), err)
		}
		switch m.flag {
		case "required":
			hasReq = true
			if err != nil {
				reqFailed = true
			}
		case "requisite":
			hasReq = true
			if err != nil {
				return nil, firstErr
			}
		}
		if err == nil {
			anySucceed = true
			subjects = append(subjects, s)
			if m.flag == "sufficient" && !reqFailed {
				return merge(subjects), nil
			}
		}
	}
	if reqFailed || (!hasReq && !anySucceed) {
		if firstErr == nil {
			firstErr = errors.New("no login module succeeded")
		}
		return nil, firstErr
	}
	return merge(subjects), nil
}

func merge(ss []*subject) *subject {
	out := &subject{}
	seen := map[string]bool{}
	for _, s := range ss {
		if out.user == "" {
			out.user = s.user
		}
		for _, g := range s.groups {
			if !seen[g] {
				seen[g] = true
				out.groups = append(out.groups, g)
			}
		}
	}
	return out
}

func shortClass(c string) string {
	if i := strings.LastIndexByte(c, '.'); i >= 0 {
		return c[i+1:]
	}
	return c
}

func newLoginModule(s LoginModuleSpec, loginDir string, getenv func(string) string) (loginModule, error) {
	m := loginModule{flag: s.Flag, class: s.Class}
	baseDir := loginDir
	if b, ok := s.Options["baseDir"]; ok && b != "" {
		baseDir = b
	}
	file := func(opt, def string) string {
		f := s.Options[opt]
		if f == "" {
			f = def
		}
		if filepath.IsAbs(f) {
			return f
		}
		return filepath.Join(baseDir, f)
	}
	reload := strings.EqualFold(s.Options["reload"], "true")
	switch s.Class {
	case PropertiesLoginModule:
		var dec func(string) (string, error)
		if strings.EqualFold(s.Options["decrypt"], "true") {
			alg := s.Options["algorithm"]
			if alg == "" {
				alg = DefaultAlgorithm
			}
			if _, err := jasyptAlgorithm(alg); err != nil {
				return m, err
			}
			dec = func(v string) (string, error) {
				pw := getenv(EncryptionPasswordEnv)
				if pw == "" {
					return "", fmt.Errorf("ENC() password in users file but %s is not set", EncryptionPasswordEnv)
				}
				return DecryptWith(alg, pw, v)
			}
		}
		users, err := newPropsFile(file("org.apache.activemq.jaas.properties.user", "user"), passwordsFile, reload, dec)
		if err != nil {
			return m, err
		}
		groups, err := newPropsFile(file("org.apache.activemq.jaas.properties.group", "group"), groupsFile, reload, nil)
		if err != nil {
			return m, err
		}
		m.login = func(c *credentials) (*subject, error) {
			if c.login == "" {
				return nil, errors.New("user name is null")
			}
			u, err := users.get()
			if err != nil {
				return nil, err
			}
			want, ok := u.hashes[c.login]
			if !passwordMatches(want, c.passcode) || !ok {
				if !ok {
					return nil, errors.New("User does not exist")
				}
				return nil, errors.New("Password does not match")
			}
			g, err := groups.get()
			if err != nil {
				return nil, err
			}
			return &subject{user: c.login, groups: g.groupsOf(c.login)}, nil
		}
	case GuestLoginModule:
		user := s.Options["org.apache.activemq.jaas.guest.user"]
		if user == "" {
			user = "guest"
		}
		group := s.Options["org.apache.activemq.jaas.guest.group"]
		if group == "" {
			group = "guests"
		}
		invalidate := strings.EqualFold(s.Options["credentialsInvalidate"], "true")
		m.login = func(c *credentials) (*subject, error) {
			if invalidate && c.hasPass {
				return nil, errors.New("guest login failing (credentialsInvalidate=true) on presence of a password")
			}
			return &subject{user: user, groups: []string{group}}, nil
		}
	case TextFileCertificateLoginModule:
		users, err := newPropsFile(file("org.apache.activemq.jaas.textfiledn.user", "user"), dnsFile, reload, nil)
		if err != nil {
			return m, err
		}
		groups, err := newPropsFile(file("org.apache.activemq.jaas.textfiledn.group", "group"), groupsFile, reload, nil)
		if err != nil {
			return m, err
		}
		m.login = func(c *credentials) (*subject, error) {
			if len(c.certs) == 0 {
				return nil, errors.New("Client certificates not found. Cannot authenticate.")
			}
			u, err := users.get()
			if err != nil {
				return nil, err
			}
			dn := SubjectDN(c.certs[0])
			name, ok := u.userForDN(dn)
			if !ok {
				return nil, fmt.Errorf("no user for client certificate DN [%s]", dn)
			}
			g, err := groups.get()
			if err != nil {
				return nil, err
			}
			return &subject{user: name, groups: g.groupsOf(name)}, nil
		}
	default:
		return m, fmt.Errorf("login module %s is not supported (supported: %s, %s, %s)", s.Class, PropertiesLoginModule, GuestLoginModule, TextFileCertificateLoginModule)
	}
	return m, nil
}

// reloadCheckInterval is how often a reload=true file is looked at.
var reloadCheckInterval = time.Second

// propsFile is a users or groups properties file, read again when it
// changes if reload is set (PropertiesLoginModule's reload=true).
type propsFile struct {
	path   string
	kind   int
	reload bool
	dec    func(string) (string, error)

	mu      sync.Mutex
	mod     time.Time
	size    int64
	checked time.Time
	cur     *props
}

type props struct {
	hashes  map[string][32]byte // users file: user -> sha256(password)
	members map[string][]string // groups file: user -> groups
	dns     map[string]string   // users file as DNs: normalised DN -> user
	regexps []userRegexp        // users file: /regexp/ values
}

type userRegexp struct {
	user string
	re   *regexp.Regexp
}

// What a properties file holds.
const (
	passwordsFile = iota // user=password
	groupsFile           // group=user1,user2
	dnsFile              // user=DN or user=/regexp/
)

func newPropsFile(path string, kind int, reload bool, dec func(string) (string, error)) (*propsFile, error) {
	f := &propsFile{path: path, kind: kind, reload: reload, dec: dec}
	if _, err := f.get(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *propsFile) get() (*props, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur != nil && (!f.reload || time.Since(f.checked) < reloadCheckInterval) {
		return f.cur, nil
	}
	p, err := f.load()
	if err != nil {
		if f.cur != nil {
			return f.cur, nil // keep the last good contents while the file is being replaced
		}
		return nil, err
	}
	if p != nil {
		f.cur = p
	}
	return f.cur, nil
}

// load reads the file, or returns nil, nil when it has not changed.
func (f *propsFile) load() (*props, error) {
	st, err := os.Stat(f.path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s does not exist", f.path)
		}
		return nil, err
	}
	f.checked = time.Now()
	if f.cur != nil && st.ModTime().Equal(f.mod) && st.Size() == f.size {
		return nil, nil
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return nil, err
	}
	raw, err := config.ParseProperties(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	p := &props{hashes: map[string][32]byte{}, members: map[string][]string{}, dns: map[string]string{}}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := raw[k]
		switch f.kind {
		case passwordsFile:
			if f.dec != nil && IsEncrypted(v) {
				pv, err := f.dec(v)
				if err != nil {
					return nil, fmt.Errorf("%s: user %s: %w", f.path, k, err)
				}
				v = pv
			}
			p.hashes[k] = sha256.Sum256([]byte(v))
		case groupsFile:
			for _, m := range strings.Split(v, ",") {
				if m = strings.TrimSpace(m); m != "" {
					p.members[m] = append(p.members[m], k)
				}
			}
		case dnsFile:
			if len(v) > 2 && v[0] == '/' && v[len(v)-1] == '/' {
				re, err := regexp.Compile("^(?:" + v[1:len(v)-1] + ")$")
				if err != nil {
					return nil, fmt.Errorf("%s: user %s: %v", f.path, k, err)
				}
				p.regexps = append(p.regexps, userRegexp{user: k, re: re})
			} else {
				p.dns[normalizeDN(v)] = k
			}
		}
	}
	f.mod, f.size = st.ModTime(), st.Size()
	return p, nil
}

func (p *props) groupsOf(user string) []string {
	return append([]string(nil), p.members[user]...)
}

func (p *props) userForDN(dn string) (string, bool) {
	if u, ok := p.dns[normalizeDN(dn)]; ok {
		return u, true
	}
	for _, r := range p.regexps {
		if r.re.MatchString(dn) {
			return r.user, true
		}
	}
	return "", false
}
