package auth

import (
	"fmt"
	"slices"
	"strings"

	"amq/broker"
	"amq/internal/config"
)

// Authorizer is authorizationPlugin with an <authorizationMap>: for every
// destination the groups allowed to read, write and administer it are the
// union of every matching entry plus the default entry (see
// config.AuthorizationPlugin.ACLFor). Advisory topics (ActiveMQ.Advisory.>)
// are checked like any other topic. Temporary destinations use the
// tempDestinationAuthorizationEntry; without one, everybody may use them.
type Authorizer struct {
	p *config.AuthorizationPlugin
	// byUser: the map's groupClass is UserPrincipal, so the names in the
	// entries are user names rather than group names.
	byUser bool
	// unauthenticated: no authentication plugin is configured, so no
	// connection has an authenticated user (ActiveMQ then refuses every
	// operation with "User is not authenticated.").
	unauthenticated bool
}

// NewAuthorizer builds the authorizer of an <authorizationPlugin>. LDAP
// maps are refused rather than ignored: running without the authorization
// the operator asked for would open every destination.
func NewAuthorizer(p *config.AuthorizationPlugin) (*Authorizer, error) {
	switch p.MapKind {
	case "", "authorizationMap":
	default:
		return nil, fmt.Errorf("%s: <authorizationPlugin> with <%s> is not supported; use <authorizationMap> with <authorizationEntries>", p.Pos, p.MapKind)
	}
	return &Authorizer{p: p, byUser: isUserPrincipalClass(p.GroupClass)}, nil
}

func isUserPrincipalClass(c string) bool {
	return strings.HasSuffix(c, ".UserPrincipal") || c == "UserPrincipal"
}

// Authorize implements broker.Authorizer: OpRead needs the read right,
// OpWrite write and OpAdmin (creating a destination) admin. A composite
// destination (A,B) needs the right on every member. The error is an
// *AuthError with ActiveMQ's wording.
func (a *Authorizer) Authorize(u *broker.User, op broker.Operation, d broker.Destination) error {
	if u == nil || a.unauthenticated {
		return &AuthError{Kind: NotAuthenticated}
	}
	if !d.IsTemp() && strings.Contains(d.Name, ",") {
		for _, part := range strings.Split(d.Name, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			m := broker.Destination{Kind: d.Kind, Name: part}
			if strings.HasPrefix(part, "queue://") || strings.HasPrefix(part, "topic://") {
				var err error
				if m, err = broker.ParseDestination(part); err != nil {
					return err
				}
			}
			if err := a.authorizeOne(u, op, m); err != nil {
				return err
			}
		}
		return nil
	}
	return a.authorizeOne(u, op, d)
}

func (a *Authorizer) authorizeOne(u *broker.User, op broker.Operation, d broker.Destination) error {
	var kind config.DestinationKind
	switch d.Kind {
	case broker.Queue:
		kind = config.Queue
	case broker.Topic:
		kind = config.Topic
	case broker.TempQueue:
		kind = config.TempQueue
	case broker.TempTopic:
		kind = config.TempTopic
	default:
		return fmt.Errorf("unknown destination kind %d", d.Kind)
	}
	acl := a.p.ACLFor(kind, d.Name)
	if acl == nil {
		return nil // temporary destination without a tempDestinationAuthorizationEntry
	}
	var allowed []string
	var action string
	switch op {
	case broker.OpRead:
		allowed, action = acl.Read, "read from"
	case broker.OpWrite:
		allowed, action = acl.Write, "write to"
	case broker.OpAdmin:
		allowed, action = acl.Admin, "create"
	default:
		return fmt.Errorf("unknown operation %d", op)
	}
	if a.allows(u, allowed) {
		return nil
	}
	return &AuthError{Kind: NotAuthorized, User: u.Name, Action: action, Dest: d.String()}
}

func (a *Authorizer) allows(u *broker.User, allowed []string) bool {
	for _, g := range allowed {
		if g == "*" {
			return true
		}
		if a.byUser {
			if g == u.Name {
				return true
			}
		} else if slices.Contains(u.Groups, g) {
			return true
		}
	}
	return false
}
