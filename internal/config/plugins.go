package config

import "strings"

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (d *decoder) plugins(n *xnode, p *Plugins) {
	p.Pos = d.pos(n)
	d.noAttrs(n)
	dup := func(k *xnode, present bool) {
		if present {
			d.warn(k, "a second <%s>; it replaces the first", k.local)
		}
	}
	for _, k := range n.kids {
		if d.err != nil {
			return
		}
		if k.local == "bean" && isBeans(k) {
			b := d.decodeBean(k, true)
			p.Order = append(p.Order, "bean:"+b.Class)
			p.Other = append(p.Other, d.capture(k))
			d.warn(k, "custom plugin bean %s is not supported by this broker; ignored", b.Class)
			continue
		}
		if !isCore(k) {
			d.unexpected(n, k)
			continue
		}
		p.Order = append(p.Order, k.local)
		switch k.local {
		case "simpleAuthenticationPlugin":
			dup(k, p.SimpleAuthentication != nil)
			p.SimpleAuthentication = d.simpleAuthentication(k)
		case "jaasAuthenticationPlugin", "jaasCertificateAuthenticationPlugin", "jaasDualAuthenticationPlugin":
			dup(k, p.JAASAuthentication != nil)
			j := &JAASAuthenticationPlugin{Pos: d.pos(k), Kind: k.local, Configuration: "activemq", DiscoverLoginConfig: true}
			a := d.attrsOf(k)
			a.str("configuration", &j.Configuration)
			if k.local == "jaasDualAuthenticationPlugin" {
				j.SSLConfiguration = "activemq-ssl"
				a.str("sslConfiguration", &j.SSLConfiguration)
			}
			a.sbool("discoverLoginConfig", &j.DiscoverLoginConfig)
			j.Attrs = a.finish()
			for _, c := range k.kids {
				d.unexpected(k, c)
			}
			p.JAASAuthentication = j
		case "authorizationPlugin":
			dup(k, p.Authorization != nil)
			p.Authorization = d.authorization(k)
		case "redeliveryPlugin":
			dup(k, p.Redelivery != nil)
			p.Redelivery = d.redelivery(k)
		case "timeStampingBrokerPlugin":
			dup(k, p.TimeStamping != nil)
			t := &TimeStampingPlugin{Pos: d.pos(k), ProcessNetworkMessages: true}
			a := d.attrsOf(k)
			a.long("zeroExpirationOverride", &t.ZeroExpirationOverride)
			a.long("ttlCeiling", &t.TTLCeiling)
			a.sbool("futureOnly", &t.FutureOnly)
			a.sbool("processNetworkMessages", &t.ProcessNetworkMessages)
			t.Attrs = a.finish()
			for _, c := range k.kids {
				d.unexpected(k, c)
			}
			p.TimeStamping = t
		case "discardingDLQBrokerPlugin":
			dup(k, p.DiscardingDLQ != nil)
			x := &DiscardingDLQPlugin{Pos: d.pos(k), DropAll: true, DropTemporaryQueues: true, DropTemporaryTopics: true, ReportInterval: 1000}
			a := d.attrsOf(k)
			a.sbool("dropAll", &x.DropAll)
			a.sbool("dropTemporaryQueues", &x.DropTemporaryQueues)
			a.sbool("dropTemporaryTopics", &x.DropTemporaryTopics)
			var only string
			if a.str("dropOnly", &only) {
				x.DropOnly = strings.Fields(only)
			}
			a.int("reportInterval", &x.ReportInterval)
			x.Attrs = a.finish()
			for _, c := range k.kids {
				d.unexpected(k, c)
			}
			p.DiscardingDLQ = x
		case "statisticsBrokerPlugin":
			dup(k, p.Statistics != nil)
			s := &StatisticsPlugin{Pos: d.pos(k)}
			s.Attrs = d.attrsOf(k).finish()
			for _, c := range k.kids {
				d.unexpected(k, c)
			}
			p.Statistics = s
		case "connectionDotFilePlugin", "destinationDotFilePlugin", "destinationPathSeparatorPlugin", "destinationsPlugin",
			"forcePersistencyModeBrokerPlugin", "loggingBrokerPlugin", "multicastTraceBrokerPlugin", "partitionBrokerPlugin",
			"runtimeConfigurationPlugin", "traceBrokerPathPlugin", "udpTraceBrokerPlugin", "virtualSelectorCacheBrokerPlugin":
			p.Other = append(p.Other, d.capture(k))
			d.warn(k, "<%s> is not supported by this broker; recorded, ignored", k.local)
		default:
			p.Order = p.Order[:len(p.Order)-1]
			d.unexpected(n, k)
		}
	}
}

func (d *decoder) simpleAuthentication(n *xnode) *SimpleAuthenticationPlugin {
	s := &SimpleAuthenticationPlugin{Pos: d.pos(n), AnonymousUser: "anonymous", AnonymousGroup: "anonymous"}
	a := d.attrsOf(n)
	a.sbool("anonymousAccessAllowed", &s.AnonymousAccessAllowed)
	a.str("anonymousUser", &s.AnonymousUser)
	a.str("anonymousGroup", &s.AnonymousGroup)
	s.Attrs = a.finish()
	for _, k := range n.kids {
		if !isCore(k) {
			d.unexpected(n, k)
			continue
		}
		switch k.local {
		case "users":
			d.noAttrs(k)
			for _, u := range k.kids {
				if u.local != "authenticationUser" || !isCore(u) {
					d.unexpected(k, u)
					continue
				}
				au := AuthenticationUser{Pos: d.pos(u)}
				ua := d.attrsOf(u)
				ua.str("username", &au.Username)
				ua.str("password", &au.Password)
				var groups string
				if ua.str("groups", &groups) {
					au.Groups = splitList(groups)
				}
				ua.finish()
				if au.Username == "" {
					d.warn(u, "<authenticationUser> without a username; ignored")
					continue
				}
				s.Users = append(s.Users, au)
			}
		case "userPasswords", "userGroups":
			d.warn(k, "<%s> maps are not supported; use <users><authenticationUser>; ignored", k.local)
		default:
			d.unexpected(n, k)
		}
	}
	return s
}

func (d *decoder) authorization(n *xnode) *AuthorizationPlugin {
	p := &AuthorizationPlugin{Pos: d.pos(n)}
	d.noAttrs(n)
	for _, k := range n.kids {
		if k.local != "map" || !isCore(k) {
			d.unexpected(n, k)
			continue
		}
		d.noAttrs(k)
		m := d.single(k)
		if m == nil {
			continue
		}
		if !isCore(m) {
			d.unexpected(k, m)
			continue
		}
		p.MapKind = m.local
		switch m.local {
		case "authorizationMap":
			a := d.attrsOf(m)
			a.str("groupClass", &p.GroupClass)
			a.finish()
			for _, c := range m.kids {
				if !isCore(c) {
					d.unexpected(m, c)
					continue
				}
				switch c.local {
				case "authorizationEntries", "entries":
					d.noAttrs(c)
					for _, e := range c.kids {
						if (e.local == "authorizationEntry" || e.local == "tempDestinationAuthorizationEntry") && isCore(e) {
							if ae := d.authorizationEntry(e); ae != nil {
								if ae.Kind == "" {
									d.warn(e, "<%s> without queue, topic, tempQueue or tempTopic never matches; ignored", e.local)
									continue
								}
								p.Entries = append(p.Entries, ae)
							}
							continue
						}
						d.unexpected(c, e)
					}
				case "defaultEntry":
					d.noAttrs(c)
					if e := d.single(c); e != nil {
						if (e.local == "authorizationEntry" || e.local == "tempDestinationAuthorizationEntry") && isCore(e) {
							p.Default = d.authorizationEntry(e)
						} else {
							d.unexpected(c, e)
						}
					}
				case "tempDestinationAuthorizationEntry":
					if !hasCoreKid(c, "tempDestinationAuthorizationEntry") {
						// Written directly as the property's value element.
						p.TempDestination = d.authorizationEntry(c)
						continue
					}
					d.noAttrs(c)
					if e := d.single(c); e != nil {
						if e.local == "tempDestinationAuthorizationEntry" && isCore(e) {
							p.TempDestination = d.authorizationEntry(e)
						} else {
							d.unexpected(c, e)
						}
					}
				default:
					d.unexpected(m, c)
				}
			}
		case "simpleAuthorizationMap", "lDAPAuthorizationMap", "cachedLDAPAuthorizationMap":
			p.LDAP = d.capture(m)
			d.warn(m, "<%s> is not supported by this broker; recorded, ignored", m.local)
		default:
			d.unexpected(k, m)
		}
	}
	return p
}

func hasCoreKid(n *xnode, local string) bool {
	for _, k := range n.kids {
		if k.local == local && isCore(k) {
			return true
		}
	}
	return false
}

func (d *decoder) authorizationEntry(n *xnode) *AuthorizationEntry {
	e := &AuthorizationEntry{Pos: d.pos(n)}
	a := d.attrsOf(n)
	e.Kind, e.Destination = d.destinationAttrs(n, a)
	var s string
	if a.str("read", &s) {
		e.Read = splitList(s)
	}
	if a.str("write", &s) {
		e.Write = splitList(s)
	}
	if a.str("admin", &s) {
		e.Admin = splitList(s)
	}
	a.str("groupClass", &e.GroupClass)
	e.Attrs = a.finish()
	for _, k := range n.kids {
		if k.local == "destination" && isCore(k) {
			if c := d.single(k); c != nil {
				if dest, ok := d.destination(k, c); ok {
					e.Kind, e.Destination = dest.Kind, dest.Name
				}
			}
			continue
		}
		d.unexpected(n, k)
	}
	return e
}

// NewRedeliveryPolicy returns a redelivery policy with ActiveMQ's defaults.
func NewRedeliveryPolicy() *RedeliveryPolicy {
	return &RedeliveryPolicy{MaximumRedeliveries: 6, InitialRedeliveryDelay: 1000, RedeliveryDelay: 1000,
		BackOffMultiplier: 5, MaximumRedeliveryDelay: -1, CollisionAvoidancePercent: 15, PreDispatchCheck: true}
}

func (d *decoder) redelivery(n *xnode) *RedeliveryPlugin {
	r := &RedeliveryPlugin{Pos: d.pos(n), FallbackToDeadLetter: true, SendToDlqIfMaxRetriesExceeded: true}
	a := d.attrsOf(n)
	a.sbool("fallbackToDeadLetter", &r.FallbackToDeadLetter)
	a.sbool("sendToDlqIfMaxRetriesExceeded", &r.SendToDlqIfMaxRetriesExceeded)
	r.Attrs = a.finish()
	for _, k := range n.kids {
		if k.local != "redeliveryPolicyMap" || !isCore(k) {
			d.unexpected(n, k)
			continue
		}
		d.noAttrs(k)
		m := d.single(k)
		if m == nil {
			continue
		}
		if m.local != "redeliveryPolicyMap" || !isCore(m) {
			d.unexpected(k, m)
			continue
		}
		d.noAttrs(m)
		for _, c := range m.kids {
			if !isCore(c) {
				d.unexpected(m, c)
				continue
			}
			switch c.local {
			case "redeliveryPolicyEntries", "entries":
				d.noAttrs(c)
				for _, e := range c.kids {
					if e.local != "redeliveryPolicy" || !isCore(e) {
						d.unexpected(c, e)
						continue
					}
					p := d.redeliveryPolicy(e)
					if p.Kind == "" {
						d.warn(e, "<redeliveryPolicy> without queue, topic, tempQueue or tempTopic never matches; ignored")
						continue
					}
					r.Entries = append(r.Entries, p)
				}
			case "defaultEntry":
				d.noAttrs(c)
				if e := d.single(c); e != nil {
					if e.local == "redeliveryPolicy" && isCore(e) {
						r.Default = d.redeliveryPolicy(e)
					} else {
						d.unexpected(c, e)
					}
				}
			default:
				d.unexpected(m, c)
			}
		}
	}
	return r
}

func (d *decoder) redeliveryPolicy(n *xnode) *RedeliveryPolicy {
	p := NewRedeliveryPolicy()
	p.Pos = d.pos(n)
	a := d.attrsOf(n)
	p.Kind, p.Destination = d.destinationAttrs(n, a)
	a.int("maximumRedeliveries", &p.MaximumRedeliveries)
	a.long("initialRedeliveryDelay", &p.InitialRedeliveryDelay)
	a.long("redeliveryDelay", &p.RedeliveryDelay)
	a.sbool("useExponentialBackOff", &p.UseExponentialBackOff)
	a.float("backOffMultiplier", &p.BackOffMultiplier)
	a.long("maximumRedeliveryDelay", &p.MaximumRedeliveryDelay)
	a.sbool("useCollisionAvoidance", &p.UseCollisionAvoidance)
	if v, ok := a.get("collisionAvoidancePercent"); ok {
		if n, err := ParseInt(v, 16); err != nil {
			a.bad("collisionAvoidancePercent", err)
		} else {
			p.CollisionAvoidancePercent = int(n)
		}
	}
	a.sbool("preDispatchCheck", &p.PreDispatchCheck)
	p.Attrs = a.finish()
	for _, k := range n.kids {
		if k.local == "destination" && isCore(k) {
			if c := d.single(k); c != nil {
				if dest, ok := d.destination(k, c); ok {
					p.Kind, p.Destination = dest.Kind, dest.Name
				}
			}
			continue
		}
		d.unexpected(n, k)
	}
	return p
}
