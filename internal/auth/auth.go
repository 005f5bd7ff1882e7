// Package auth implements ActiveMQ's security plugins for the broker:
// simpleAuthenticationPlugin, jaasAuthenticationPlugin (PropertiesLoginModule,
// GuestLoginModule), jaasCertificateAuthenticationPlugin and
// jaasDualAuthenticationPlugin (TextFileCertificateLoginModule), and
// authorizationPlugin's authorizationMap. It also encrypts and decrypts
// ENC(...) values the way `activemq encrypt` does.
package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"log/slog"
	"os"

	"amq/broker"
	"amq/internal/config"
)

// Authenticator checks a connection's credentials. cs is the TLS state of
// the connection, nil for plain TCP; only verified client certificates
// (cs.VerifiedChains) are trusted. It has the shape of the protocol
// adapters' Authenticator interfaces (stomp.Authenticator).
type Authenticator interface {
	Authenticate(login, passcode string, cs *tls.ConnectionState) (*broker.User, error)
}

// ErrorKind tells what an AuthError is about.
type ErrorKind int

const (
	// BadCredentials: authentication failed.
	BadCredentials ErrorKind = iota
	// NotAuthenticated: an operation without an authenticated user.
	NotAuthenticated
	// NotAuthorized: the user lacks a right on a destination.
	NotAuthorized
)

// AuthError is a refused login or operation. Its text is what ActiveMQ
// reports to clients; Reason, which says why a login failed, is for logs
// only (it must not reach the client, so it never names the password).
type AuthError struct {
	Kind   ErrorKind
	User   string
	Action string // "read from", "write to" or "create" (NotAuthorized)
	Dest   string // queue://NAME, topic://NAME, temp-queue://..., temp-topic://...
	Reason string
}

func (e *AuthError) Error() string {
	switch e.Kind {
	case NotAuthenticated:
		return "User is not authenticated."
	case NotAuthorized:
		return "User " + e.User + " is not authorized to " + e.Action + ": " + e.Dest
	}
	return "User name [" + e.User + "] or password is invalid."
}

// LogValue shows the reason of a failed login in logs (slog), which the
// client never sees.
func (e *AuthError) LogValue() slog.Value {
	if e.Reason == "" {
		return slog.StringValue(e.Error())
	}
	return slog.StringValue(e.Error() + " (" + e.Reason + ")")
}

// Is makes errors.Is(err, ErrNotAuthorized) and friends work.
func (e *AuthError) Is(target error) bool {
	switch target {
	case ErrBadCredentials:
		return e.Kind == BadCredentials
	case ErrNotAuthenticated:
		return e.Kind == NotAuthenticated
	case ErrNotAuthorized:
		return e.Kind == NotAuthorized
	}
	return false
}

// Sentinels for errors.Is.
var (
	ErrBadCredentials   = errors.New("bad credentials")
	ErrNotAuthenticated = errors.New("not authenticated")
	ErrNotAuthorized    = errors.New("not authorized")
)

func badCredentials(user, reason string) error {
	return &AuthError{Kind: BadCredentials, User: user, Reason: reason}
}

// FromConfig builds the authenticator and the authorizer the <plugins> of
// cfg ask for. Either is nil (an untyped nil interface) when the
// configuration has no such plugin, which means everyone may connect, or
// everyone may do everything. An authorizationPlugin without any
// authentication plugin refuses every operation ("User is not
// authenticated."), as in ActiveMQ. When several authentication plugins are
// configured, the last one in <plugins> is used (it is the outermost in
// ActiveMQ's chain and authenticates first).
func FromConfig(cfg *config.Config) (Authenticator, broker.Authorizer, error) {
	p := &cfg.Broker.Plugins
	var authn Authenticator
	for _, name := range p.Order {
		switch name {
		case "simpleAuthenticationPlugin":
			if p.SimpleAuthentication != nil {
				authn = NewSimple(p.SimpleAuthentication)
			}
		case "jaasAuthenticationPlugin", "jaasCertificateAuthenticationPlugin", "jaasDualAuthenticationPlugin":
			if p.JAASAuthentication != nil {
				j, err := NewJAAS(p.JAASAuthentication, cfg.Paths, os.Getenv)
				if err != nil {
					return nil, nil, err
				}
				authn = j
			}
		}
	}
	if authn == nil {
		// Plugins set without Order (built in code rather than parsed).
		switch {
		case p.JAASAuthentication != nil:
			j, err := NewJAAS(p.JAASAuthentication, cfg.Paths, os.Getenv)
			if err != nil {
				return nil, nil, err
			}
			authn = j
		case p.SimpleAuthentication != nil:
			authn = NewSimple(p.SimpleAuthentication)
		}
	}
	var authz broker.Authorizer
	if p.Authorization != nil {
		a, err := NewAuthorizer(p.Authorization)
		if err != nil {
			return nil, nil, err
		}
		// Without an authentication plugin a login is only a claimed
		// name: refuse everything, as ActiveMQ does.
		a.unauthenticated = authn == nil
		authz = a
	}
	return authn, authz, nil
}

// Simple is simpleAuthenticationPlugin: users with passwords and groups
// listed in activemq.xml.
type Simple struct {
	users     map[string]simpleUser
	anonymous bool
	anonUser  string
	anonGroup string
}

type simpleUser struct {
	hash   [32]byte
	groups []string
}

// NewSimple builds the authenticator of a <simpleAuthenticationPlugin>.
func NewSimple(p *config.SimpleAuthenticationPlugin) *Simple {
	s := &Simple{
		users:     make(map[string]simpleUser, len(p.Users)),
		anonymous: p.AnonymousAccessAllowed,
		anonUser:  p.AnonymousUser,
		anonGroup: p.AnonymousGroup,
	}
	if s.anonUser == "" {
		s.anonUser = "anonymous"
	}
	if s.anonGroup == "" {
		s.anonGroup = "anonymous"
	}
	for _, u := range p.Users {
		s.users[u.Username] = simpleUser{hash: sha256.Sum256([]byte(u.Password)), groups: append([]string(nil), u.Groups...)}
	}
	return s
}

// Authenticate implements Authenticator. Without login and passcode the
// user is anonymousUser in anonymousGroup when anonymousAccessAllowed;
// wrong credentials are refused either way.
func (s *Simple) Authenticate(login, passcode string, _ *tls.ConnectionState) (*broker.User, error) {
	if login == "" && passcode == "" {
		if s.anonymous {
			return &broker.User{Name: s.anonUser, Groups: []string{s.anonGroup}}, nil
		}
		return nil, badCredentials(login, "no credentials and anonymous access is not allowed")
	}
	u, ok := s.users[login]
	if !passwordMatches(u.hash, passcode) || !ok {
		return nil, badCredentials(login, "unknown user or wrong password")
	}
	return &broker.User{Name: login, Groups: append([]string(nil), u.groups...)}, nil
}

// passwordMatches compares in constant time (over hashes, so the length
// of the stored password does not show either).
func passwordMatches(want [32]byte, given string) bool {
	got := sha256.Sum256([]byte(given))
	return subtle.ConstantTimeCompare(want[:], got[:]) == 1
}
