package config

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

func (d *decoder) decodeRoot(root *xnode, opts Options) {
	switch {
	case root.local == "beans" && isBeans(root):
		d.collectBeans(root)
		d.setupPlaceholders(root, opts)
		if d.err != nil {
			return
		}
		for _, k := range root.kids {
			if k.local != "bean" || !isBeans(k) {
				continue
			}
			if b, ok := d.configurers[k]; ok {
				// A configurer does not resolve its own definition.
				if b.ID != "" {
					d.cfg.Beans[b.ID] = b
				}
				continue
			}
			d.decodeBean(k, true)
		}
		var broker *xnode
		for _, k := range root.kids {
			switch {
			case k.local == "bean" && isBeans(k):
			case k.space == nsBeans && k.local == "import":
				a := d.attrsOf(k)
				var res string
				a.str("resource", &res)
				a.finish()
				d.cfg.Imports = append(d.cfg.Imports, Import{Pos: d.pos(k), Resource: res})
				d.warn(k, "<import resource=%q> is not followed; configure what it holds here instead", res)
			case k.space == nsBeans && k.local == "description":
			case k.space == nsBeans && k.local == "alias":
				d.warn(k, "Spring <alias> ignored")
			case k.space == nsContext && k.local == "property-placeholder":
			case k.local == "broker" && isCore(k):
				if broker != nil {
					d.failAt(k.line, k.col, nil, "a second <broker> element (the first is at line %d); only one broker per file is supported", broker.line)
					return
				}
				broker = k
				d.decodeBroker(k)
			case isCore(k) && k.space != "":
				d.warn(k, "top-level <%s> is not supported; ignored", k.local)
			case k.space == nsBeans || k.space == "":
				d.warn(k, "Spring <%s> is not supported; ignored", k.local)
			default:
				d.warn(k, "element <%s> from namespace %s ignored", k.local, k.space)
			}
		}
		if broker == nil {
			d.failAt(root.line, root.col, nil, "no <broker> element (namespace %s)", nsCore)
		}
	case root.local == "broker" && isCore(root):
		d.collectBeans(root)
		d.readFileFn = opts.ReadFile
		d.decodeBroker(root)
	default:
		d.failAt(root.line, root.col, nil, "root element <%s> is neither <beans> nor <broker>", qname(root))
	}
}

// collectBeans indexes every Spring <bean> that has an id or a name.
func (d *decoder) collectBeans(n *xnode) {
	if n.local == "bean" && isBeans(n) {
		var ids []string
		if x, ok := n.attr("id"); ok && strings.TrimSpace(x.raw) != "" {
			ids = append(ids, strings.TrimSpace(x.raw))
		}
		if x, ok := n.attr("name"); ok {
			ids = append(ids, strings.FieldsFunc(x.raw, func(r rune) bool { return r == ',' || r == ';' || r == ' ' })...)
		}
		for _, id := range ids {
			if prev, dup := d.beanNodes[id]; dup && prev != n {
				d.warn(n, "a second bean with id %q (the first is at line %d)", id, prev.line)
				continue
			}
			d.beanNodes[id] = n
		}
	}
	for _, k := range n.kids {
		d.collectBeans(k)
	}
}

// decodeBean reads a Spring <bean>; register adds it to Config.Beans.
func (d *decoder) decodeBean(n *xnode, register bool) *Bean {
	b := &Bean{Pos: d.pos(n), Properties: map[string]string{}, Refs: map[string]string{},
		Lists: map[string][]string{}, Maps: map[string]map[string]string{}, Nested: map[string]*Bean{}}
	a := d.attrsOf(n)
	a.str("id", &b.ID)
	a.str("class", &b.Class)
	if b.ID == "" {
		var name string
		if a.str("name", &name) {
			if f := strings.FieldsFunc(name, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }); len(f) > 0 {
				b.ID = f[0]
			}
		}
	}
	for _, k := range []string{"name", "parent", "scope", "abstract", "lazy-init", "autowire", "depends-on",
		"autowire-candidate", "primary", "init-method", "destroy-method", "factory-method", "factory-bean", "dependency-check"} {
		a.get(k)
	}
	a.finish()
	for _, k := range n.kids {
		if k.space != nsBeans && k.space != "" {
			d.warn(k, "element <%s> from namespace %s in <bean> ignored", k.local, k.space)
			continue
		}
		switch k.local {
		case "property":
			d.beanProperty(b, k)
		case "constructor-arg":
			ka := d.attrsOf(k)
			var arg BeanArg
			ka.str("value", &arg.Value)
			ka.str("ref", &arg.Ref)
			for _, x := range []string{"index", "type", "name"} {
				ka.get(x)
			}
			ka.finish()
			for _, v := range k.kids {
				switch v.local {
				case "value":
					arg.Value = d.text(v)
				case "ref":
					arg.Ref = d.refTarget(v)
				case "bean":
					inner := d.decodeBean(v, true)
					arg.Ref = inner.ID
				default:
					d.unexpected(k, v)
				}
			}
			b.ConstructorArgs = append(b.ConstructorArgs, arg)
		case "description", "meta", "qualifier":
		default:
			d.warn(k, "Spring <%s> in <bean> is not supported; ignored", k.local)
		}
	}
	if register && b.ID != "" {
		d.cfg.Beans[b.ID] = b
	}
	return b
}

func (d *decoder) refTarget(n *xnode) string {
	a := d.attrsOf(n)
	var id string
	if !a.str("bean", &id) && !a.str("local", &id) {
		a.str("parent", &id)
	}
	a.finish()
	return id
}

func (d *decoder) beanProperty(b *Bean, n *xnode) {
	a := d.attrsOf(n)
	var name, val, ref string
	a.str("name", &name)
	hasVal := a.str("value", &val)
	hasRef := a.str("ref", &ref)
	a.finish()
	if name == "" {
		d.warn(n, "<property> without a name; ignored")
		return
	}
	if hasVal {
		b.Properties[name] = val
	}
	if hasRef {
		b.Refs[name] = ref
	}
	for _, k := range n.kids {
		switch k.local {
		case "value":
			b.Properties[name] = d.text(k)
		case "ref", "idref":
			b.Refs[name] = d.refTarget(k)
		case "null":
			b.Properties[name] = ""
		case "bean":
			inner := d.decodeBean(k, true)
			b.Nested[name] = inner
			if inner.ID != "" {
				b.Refs[name] = inner.ID
			}
		case "list", "set", "array":
			var vals []string
			for _, v := range k.kids {
				switch v.local {
				case "value":
					vals = append(vals, d.text(v))
				case "ref":
					vals = append(vals, "#"+d.refTarget(v))
				case "null":
					vals = append(vals, "")
				default:
					d.unexpected(k, v)
				}
			}
			b.Lists[name] = vals
		case "props":
			m := map[string]string{}
			for _, p := range k.kids {
				if p.local != "prop" {
					d.unexpected(k, p)
					continue
				}
				pa := d.attrsOf(p)
				var key string
				pa.str("key", &key)
				pa.finish()
				m[key] = d.text(p)
			}
			b.Maps[name] = m
		case "map":
			m := map[string]string{}
			for _, e := range k.kids {
				if e.local != "entry" {
					d.unexpected(k, e)
					continue
				}
				ea := d.attrsOf(e)
				var key, v, vref string
				ea.str("key", &key)
				ea.str("value", &v)
				if ea.str("value-ref", &vref) {
					v = "#" + vref
				}
				ea.get("key-ref")
				ea.finish()
				for _, c := range e.kids {
					switch c.local {
					case "key":
						for _, kv := range c.kids {
							if kv.local == "value" {
								key = d.text(kv)
							}
						}
					case "value":
						v = d.text(c)
					case "ref":
						v = "#" + d.refTarget(c)
					default:
						d.unexpected(e, c)
					}
				}
				m[key] = v
			}
			b.Maps[name] = m
		case "description", "meta":
		default:
			d.unexpected(n, k)
		}
	}
}

// placeholderConfig gathers what the placeholder configurers say.
type placeholderConfig struct {
	n              int
	allIgnore      bool
	files          map[string]string
	inline         map[string]string
	localOverride  bool
	jasypt         *jasyptConfig
	prefix, suffix string
	sep            string
	sepSet         bool
	modeSet        bool
	mode           sysMode
	noEnv          bool
}

func isPlaceholderConfigurer(class string) bool {
	return strings.HasSuffix(class, "PropertyPlaceholderConfigurer") || strings.HasSuffix(class, "PropertySourcesPlaceholderConfigurer")
}

// setupPlaceholders finds the placeholder configurers, reads the properties
// files they name and configures the resolver.
func (d *decoder) setupPlaceholders(root *xnode, opts Options) {
	d.readFileFn = opts.ReadFile
	full := d.res
	// Resource locations are resolved from system properties and the
	// environment only, as Spring does.
	d.res = &resolver{prefix: "${", suffix: "}", sep: ":", mode: modeOverride, files: map[string]string{}, sys: full.sys, env: full.env}
	pc := &placeholderConfig{allIgnore: true, files: map[string]string{}, inline: map[string]string{}}
	for _, k := range root.kids {
		if d.err != nil {
			break
		}
		switch {
		case k.local == "bean" && isBeans(k):
			class := ""
			if x, ok := k.attr("class"); ok {
				class = strings.TrimSpace(x.raw)
			}
			if isPlaceholderConfigurer(class) {
				d.beanConfigurer(k, class, pc)
			}
		case k.space == nsContext && k.local == "property-placeholder":
			d.contextConfigurer(k, pc)
		case k.space == nsContext:
			d.warn(k, "<context:%s> is not supported; ignored", k.local)
		}
	}
	d.res = full
	if pc.n == 0 {
		return
	}
	merged := map[string]string{}
	if pc.localOverride {
		for k, v := range pc.files {
			merged[k] = v
		}
		for k, v := range pc.inline {
			merged[k] = v
		}
	} else {
		for k, v := range pc.inline {
			merged[k] = v
		}
		for k, v := range pc.files {
			merged[k] = v
		}
	}
	full.files = merged
	for k, v := range merged {
		d.cfg.Properties[k] = v
	}
	full.ignoreUnresolvable = pc.allIgnore
	if pc.modeSet {
		full.mode = pc.mode
	}
	if d.propsOverride {
		full.mode = modeOverride
	}
	if pc.noEnv {
		full.env = nil
	}
	if pc.prefix != "" {
		full.prefix = pc.prefix
	}
	if pc.suffix != "" {
		full.suffix = pc.suffix
	}
	if pc.sepSet {
		full.sep = pc.sep
	}
	if pc.jasypt != nil {
		full.decrypt = pc.jasypt.decrypt
	}
}

func (d *decoder) beanConfigurer(n *xnode, class string, pc *placeholderConfig) {
	b := d.decodeBean(n, false)
	if d.configurers == nil {
		d.configurers = map[*xnode]*Bean{}
	}
	d.configurers[n] = b
	if d.err != nil {
		return
	}
	first := pc.n == 0
	pc.n++
	if strings.HasSuffix(class, "PropertySourcesPlaceholderConfigurer") && first {
		pc.mode, pc.modeSet = modeEnvironment, true
	}
	boolProp := func(name string, dst *bool) {
		if v, ok := b.Properties[name]; ok {
			bv, err := ParseSpringBool(v)
			if err != nil {
				d.failAt(n.line, n.col, err, "<bean class=%q> property %s: %v", class, name, err)
				return
			}
			*dst = bv
		}
	}
	ignoreNotFound, ignoreUnresolvable, searchEnv, localOverride := false, false, true, false
	boolProp("ignoreResourceNotFound", &ignoreNotFound)
	boolProp("ignoreUnresolvablePlaceholders", &ignoreUnresolvable)
	boolProp("searchSystemEnvironment", &searchEnv)
	boolProp("localOverride", &localOverride)
	if !ignoreUnresolvable {
		pc.allIgnore = false
	}
	if first {
		pc.localOverride = localOverride
		pc.noEnv = !searchEnv
		if v, ok := b.Properties["systemPropertiesModeName"]; ok {
			switch strings.TrimSpace(v) {
			case "SYSTEM_PROPERTIES_MODE_NEVER":
				pc.mode = modeNever
			case "SYSTEM_PROPERTIES_MODE_FALLBACK":
				pc.mode = modeFallback
			case "SYSTEM_PROPERTIES_MODE_OVERRIDE":
				pc.mode = modeOverride
			default:
				d.failAt(n.line, n.col, nil, "<bean class=%q> property systemPropertiesModeName: invalid value %q", class, v)
				return
			}
			pc.modeSet = true
		}
		if v, ok := b.Properties["systemPropertiesMode"]; ok {
			m, err := ParseInt(v, 32)
			if err != nil || m < 0 || m > 2 {
				d.failAt(n.line, n.col, err, "<bean class=%q> property systemPropertiesMode: invalid value %q", class, v)
				return
			}
			pc.mode, pc.modeSet = sysMode(m), true
		}
		if v, ok := b.Properties["placeholderPrefix"]; ok && v != "" {
			pc.prefix = v
		}
		if v, ok := b.Properties["placeholderSuffix"]; ok && v != "" {
			pc.suffix = v
		}
		if v, ok := b.Properties["valueSeparator"]; ok {
			pc.sep, pc.sepSet = v, true
		}
	}
	for name := range b.Properties {
		switch name {
		case "location", "locations", "ignoreResourceNotFound", "ignoreUnresolvablePlaceholders", "searchSystemEnvironment",
			"localOverride", "systemPropertiesModeName", "systemPropertiesMode", "placeholderPrefix", "placeholderSuffix",
			"valueSeparator", "properties", "order", "fileEncoding", "nullValue", "trimValues", "beanName", "ignoreInvalidKeys":
		default:
			d.warn(n, "<bean class=%q>: property %s not supported; ignored", class, name)
		}
	}
	var locations []string
	if v, ok := b.Properties["location"]; ok {
		locations = append(locations, v)
	}
	if v, ok := b.Properties["locations"]; ok {
		locations = append(locations, v)
	}
	locations = append(locations, b.Lists["location"]...)
	locations = append(locations, b.Lists["locations"]...)
	for k, v := range b.Maps["properties"] {
		if _, dup := pc.inline[k]; !dup {
			pc.inline[k] = v
		}
	}
	if v, ok := b.Properties["properties"]; ok {
		props, err := ParseProperties([]byte(v))
		if err != nil {
			d.failAt(n.line, n.col, err, "<bean class=%q> property properties: %v", class, err)
			return
		}
		for k, v := range props {
			if _, dup := pc.inline[k]; !dup {
				pc.inline[k] = v
			}
		}
	}
	d.loadLocations(n, locations, ignoreNotFound, pc)
	if strings.Contains(class, "jasypt") && first {
		pc.jasypt = d.jasyptFor(n, b)
	}
}

func (d *decoder) contextConfigurer(n *xnode, pc *placeholderConfig) {
	a := d.attrsOf(n)
	first := pc.n == 0
	pc.n++
	var loc, mode, sep, ref string
	ignoreNotFound, ignoreUnresolvable, localOverride := false, false, false
	a.str("location", &loc)
	a.sbool("ignore-resource-not-found", &ignoreNotFound)
	a.sbool("ignore-unresolvable", &ignoreUnresolvable)
	a.sbool("local-override", &localOverride)
	hasMode := a.str("system-properties-mode", &mode)
	hasSep := a.str("value-separator", &sep)
	if a.str("properties-ref", &ref) {
		if bn, ok := d.beanNodes[ref]; ok {
			b := d.decodeBean(bn, false)
			for k, v := range b.Maps["properties"] {
				pc.inline[k] = v
			}
		} else {
			a.bad("properties-ref", fmt.Errorf("no bean with id %q", ref))
		}
	}
	for _, k := range []string{"order", "file-encoding", "null-value", "trim-values", "ignore-unresolvable"} {
		a.get(k)
	}
	a.finish()
	if !ignoreUnresolvable {
		pc.allIgnore = false
	}
	if first {
		pc.localOverride = localOverride
		pc.mode, pc.modeSet = modeEnvironment, true
		if hasMode {
			switch strings.TrimSpace(mode) {
			case "ENVIRONMENT":
			case "NEVER":
				pc.mode = modeNever
			case "FALLBACK":
				pc.mode = modeFallback
			case "OVERRIDE":
				pc.mode = modeOverride
			default:
				d.failAt(n.line, n.col, nil, "<context:property-placeholder system-properties-mode=%q>: invalid value", mode)
				return
			}
		}
		if hasSep {
			pc.sep, pc.sepSet = sep, true
		}
	}
	var locations []string
	for _, l := range strings.Split(loc, ",") {
		if l = strings.TrimSpace(l); l != "" {
			locations = append(locations, l)
		}
	}
	d.loadLocations(n, locations, ignoreNotFound, pc)
}

// loadLocations reads properties files. Earlier configurers win over later
// ones; within one configurer, later files override earlier ones.
func (d *decoder) loadLocations(n *xnode, locations []string, ignoreNotFound bool, pc *placeholderConfig) {
	mine := map[string]string{}
	for _, loc := range locations {
		if d.err != nil {
			return
		}
		loc = strings.TrimSpace(loc)
		if loc == "" {
			continue
		}
		path, err := d.locationPath(loc)
		if err != nil {
			if ignoreNotFound {
				d.warn(n, "properties location %q: %v; skipped", loc, err)
				continue
			}
			d.failAt(n.line, n.col, err, "properties location %q: %v", loc, err)
			return
		}
		data, err := d.readFileFn(path)
		if err != nil {
			if ignoreNotFound {
				d.warn(n, "properties file %s not found; skipped (ignoreResourceNotFound)", path)
				continue
			}
			d.failAt(n.line, n.col, err, "properties file %s: %v", path, err)
			return
		}
		props, err := ParseProperties(data)
		if err != nil {
			d.failAt(n.line, n.col, err, "properties file %s: %v", path, err)
			return
		}
		d.cfg.PropertyFiles = append(d.cfg.PropertyFiles, path)
		for k, v := range props {
			mine[k] = v
		}
	}
	for k, v := range mine {
		if _, dup := pc.files[k]; !dup {
			pc.files[k] = v
		}
	}
}

// locationPath maps a Spring resource location to a file path.
func (d *decoder) locationPath(loc string) (string, error) {
	switch {
	case strings.HasPrefix(loc, "file:"):
		return resolvePath(d.cfg.Paths.Base, loc), nil
	case strings.HasPrefix(loc, "classpath*:"):
		return filepath.Join(d.cfg.Paths.Conf, strings.TrimPrefix(loc[len("classpath*:"):], "/")), nil
	case strings.HasPrefix(loc, "classpath:"):
		// ActiveMQ puts its conf directory on the class path.
		return filepath.Join(d.cfg.Paths.Conf, strings.TrimPrefix(loc[len("classpath:"):], "/")), nil
	case strings.Contains(loc, "://"):
		return "", fmt.Errorf("only file: and classpath: locations are supported")
	case filepath.IsAbs(loc):
		return loc, nil
	}
	return filepath.Join(d.cfg.Paths.Conf, loc), nil
}

// jasyptFor works out how a Jasypt encryptable configurer decrypts values.
func (d *decoder) jasyptFor(n *xnode, b *Bean) *jasyptConfig {
	j := &jasyptConfig{algorithm: "PBEWithMD5AndDES", iterations: 1000}
	var encID string
	if len(b.ConstructorArgs) > 0 {
		encID = b.ConstructorArgs[0].Ref
	}
	if encID == "" {
		j.problem = "the configurer names no encryptor"
		return j
	}
	get := func(id string) *Bean {
		if bn, ok := d.beanNodes[id]; ok {
			return d.decodeBean(bn, false)
		}
		return nil
	}
	enc := get(encID)
	if enc == nil {
		j.problem = fmt.Sprintf("no encryptor bean %q", encID)
		return j
	}
	var password string
	apply := func(bean *Bean) {
		p := bean.Properties
		if v, ok := p["algorithm"]; ok {
			j.algorithm = v
		}
		if v, ok := p["keyObtentionIterations"]; ok {
			if it, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				j.iterations = it
			}
		}
		if v, ok := p["password"]; ok {
			password = v
		}
		if name, ok := p["passwordEnvName"]; ok {
			if v, found := d.res.env(name); found {
				password = v
			}
		}
		if name, ok := p["passwordSysPropertyName"]; ok {
			if v, found := d.res.sys(name); found {
				password = v
			}
		}
	}
	if cfgID, ok := enc.Refs["config"]; ok {
		if cb := get(cfgID); cb != nil {
			apply(cb)
		}
	} else if nb, ok := enc.Nested["config"]; ok {
		apply(nb)
	}
	apply(enc)
	if password == "" {
		j.problem = "no encryption password (is ACTIVEMQ_ENCRYPTION_PASSWORD set?)"
	}
	j.password = password
	return j
}

// dataSource interprets a JDBC data source bean.
func (d *decoder) dataSource(b *Bean) *DataSource {
	if b == nil {
		return nil
	}
	p := b.Properties
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := strings.TrimSpace(p[k]); v != "" {
				return v
			}
		}
		return ""
	}
	ds := &DataSource{BeanID: b.ID, Class: b.Class, Bean: b,
		Driver:   first("driverClassName", "driverClass", "driver"),
		URL:      first("url", "URL", "jdbcUrl", "jdbcURL"),
		Username: first("username", "user", "userName"),
		Password: p["password"],
	}
	if ds.URL != "" {
		return ds
	}
	host := first("serverName", "serverNames", "host")
	port := first("portNumber", "port")
	db := first("databaseName", "database")
	cls := strings.ToLower(b.Class)
	hostPort := func(def string) string {
		h := host
		if h == "" {
			h = def
		}
		if port != "" && port != "0" {
			h += ":" + port
		}
		return h
	}
	switch {
	case strings.Contains(cls, "postgresql") || strings.Contains(b.Class, ".PG"):
		ds.URL = "jdbc:postgresql://" + hostPort("localhost") + "/" + db
	case strings.Contains(cls, "mysql") || strings.Contains(cls, "mariadb"):
		ds.URL = "jdbc:mysql://" + hostPort("localhost") + "/" + db
	case strings.Contains(cls, "derby"):
		if db != "" {
			ds.URL = "jdbc:derby:" + db
			if strings.EqualFold(first("createDatabase"), "create") {
				ds.URL += ";create=true"
			}
		}
	}
	return ds
}
