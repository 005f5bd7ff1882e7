package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"amq/broker"
)

// Jolokia protocol versions reported by the version request: those of the
// Jolokia agent ActiveMQ 5.17 ships.
const (
	jolokiaAgentVersion    = "1.7.1"
	jolokiaProtocolVersion = "7.2"
)

// jolokiaRequest is one request of Jolokia's JSON protocol.
type jolokiaRequest struct {
	Type      string          `json:"type"`
	MBean     string          `json:"mbean,omitempty"`
	Attribute json.RawMessage `json:"attribute,omitempty"`
	Path      string          `json:"path,omitempty"`
	Operation string          `json:"operation,omitempty"`
	Arguments []any           `json:"arguments,omitempty"`
	Value     any             `json:"value,omitempty"`
	Config    map[string]any  `json:"config,omitempty"`
}

// attributes returns the requested attribute names and whether one was
// asked for as a single string (its value is then returned bare).
func (r *jolokiaRequest) attributes() (names []string, single bool, err error) {
	raw := strings.TrimSpace(string(r.Attribute))
	if raw == "" || raw == "null" {
		return nil, false, nil
	}
	if strings.HasPrefix(raw, "[") {
		if err := json.Unmarshal(r.Attribute, &names); err != nil {
			return nil, false, errArgument("attribute must be a string or a list of strings")
		}
		return names, false, nil
	}
	var s string
	if err := json.Unmarshal(r.Attribute, &s); err != nil {
		return nil, false, errArgument("attribute must be a string or a list of strings")
	}
	return []string{s}, true, nil
}

// needsAdmin reports requests that change the broker.
func (r *jolokiaRequest) needsAdmin() bool {
	t := strings.ToLower(r.Type)
	return t == "exec" || t == "write"
}

// jolokia serves /api/jolokia: GET requests encoded in the path, POST
// requests (single or bulk) in the body.
func (c *Console) jolokia(w http.ResponseWriter, r *http.Request) {
	a := accountOf(r)
	var reqs []jolokiaRequest
	bulk := false
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		req, err := parseJolokiaPath(jolokiaPathOf(r))
		if err != nil {
			c.writeJolokia(w, r, http.StatusOK, errorResponse(nil, err))
			return
		}
		reqs = []jolokiaRequest{req}
	case http.MethodPost:
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4<<20))
		if err != nil {
			c.writeJolokia(w, r, http.StatusOK, errorResponse(nil, errArgument("cannot read request body: %v", err)))
			return
		}
		trimmed := strings.TrimSpace(string(body))
		if strings.HasPrefix(trimmed, "[") {
			bulk = true
			var raws []json.RawMessage
			if err := json.Unmarshal(body, &raws); err != nil {
				c.writeJolokia(w, r, http.StatusOK, errorResponse(nil, errArgument("invalid JSON request: %v", err)))
				return
			}
			for _, raw := range raws {
				var req jolokiaRequest
				if err := json.Unmarshal(raw, &req); err != nil {
					req = jolokiaRequest{Type: "invalid"}
				}
				reqs = append(reqs, req)
			}
		} else {
			var req jolokiaRequest
			if err := json.Unmarshal(body, &req); err != nil {
				c.writeJolokia(w, r, http.StatusOK, errorResponse(nil, errArgument("invalid JSON request: %v", err)))
				return
			}
			reqs = []jolokiaRequest{req}
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		c.writeJolokia(w, r, http.StatusMethodNotAllowed, errorResponse(nil, &mgmtError{"java.lang.UnsupportedOperationException", "HTTP method " + r.Method + " is not supported", 405}))
		return
	}
	admin := false
	for i := range reqs {
		admin = admin || reqs[i].needsAdmin()
	}
	if (admin || r.Method == http.MethodPost) && crossSite(r) {
		c.log.Warn("management: cross-site request refused", "user", a.name, "origin", r.Header.Get("Origin"), "remote", r.RemoteAddr)
		c.writeJolokia(w, r, http.StatusForbidden, errorResponse(nil, &mgmtError{"java.lang.SecurityException", "Origin " + r.Header.Get("Origin") + " is not allowed to call this agent", 403}))
		return
	}
	if admin && !a.isAdmin() {
		c.log.Warn("management: operation refused to a user without the admin role", "user", a.name, "remote", r.RemoteAddr)
		c.writeJolokia(w, r, http.StatusForbidden, errorResponse(nil, &mgmtError{"java.lang.SecurityException", "User " + a.name + " lacks the admin role needed for exec and write requests", 403}))
		return
	}
	resps := make([]map[string]any, len(reqs))
	for i := range reqs {
		resps[i] = c.handleJolokia(r.Context(), &reqs[i])
	}
	if bulk {
		c.writeJolokia(w, r, http.StatusOK, resps)
		return
	}
	c.writeJolokia(w, r, http.StatusOK, resps[0])
}

func (c *Console) writeJolokia(w http.ResponseWriter, r *http.Request, status int, v any) {
	ct := "text/plain;charset=utf-8"
	if mt := r.URL.Query().Get("mimeType"); mt == "application/json" {
		ct = "application/json;charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		c.log.Debug("management: write response", "err", err)
	}
}

// jolokiaPathOf is the request path after /api/jolokia, or the p= parameter.
func jolokiaPathOf(r *http.Request) string {
	p := strings.TrimPrefix(r.URL.EscapedPath(), "/api/jolokia")
	if strings.Trim(p, "/") == "" {
		if q := r.URL.Query().Get("p"); q != "" {
			return q
		}
	}
	return p
}

// splitJolokiaPath splits a GET path into its parts: "/" separates, "!/"
// is a literal slash, "!!" a literal "!", and each part is then
// percent-decoded (so %2F works as well).
func splitJolokiaPath(p string) []string {
	var parts []string
	var cur strings.Builder
	flush := func() {
		s := cur.String()
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
		parts = append(parts, s)
		cur.Reset()
	}
	for i := 0; i < len(p); i++ {
		ch := p[i]
		if ch == '!' && i+1 < len(p) {
			i++
			switch p[i] {
			case '/':
				cur.WriteString("%2F")
			case '!':
				cur.WriteString("%21")
			case '"':
				cur.WriteString("%22")
			default:
				cur.WriteByte('!')
				cur.WriteByte(p[i])
			}
			continue
		}
		if ch == '/' {
			if cur.Len() > 0 || len(parts) > 0 {
				flush()
			}
			continue
		}
		cur.WriteByte(ch)
	}
	if cur.Len() > 0 {
		flush()
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// joinPath rebuilds an inner path from its parts, escaping slashes and
// exclamation marks inside a part as Jolokia does ("!/", "!!").
func joinPath(parts []string) string {
	esc := make([]string, len(parts))
	for i, p := range parts {
		esc[i] = strings.ReplaceAll(strings.ReplaceAll(p, "!", "!!"), "/", "!/")
	}
	return strings.Join(esc, "/")
}

// splitPath splits an inner path ("a/b!/c" is a, b/c).
func splitPath(p string) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '!' && i+1 < len(p):
			i++
			cur.WriteByte(p[i])
		case p[i] == '/':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(p[i])
		}
	}
	return append(parts, cur.String())
}

// parseJolokiaPath turns a GET path into a request.
func parseJolokiaPath(p string) (jolokiaRequest, error) {
	parts := splitJolokiaPath(p)
	if len(parts) == 0 {
		return jolokiaRequest{Type: "version"}, nil
	}
	req := jolokiaRequest{Type: parts[0]}
	args := parts[1:]
	switch strings.ToLower(req.Type) {
	case "version":
	case "read":
		if len(args) == 0 {
			return req, errArgument("No MBean name given for read request")
		}
		req.MBean = args[0]
		if len(args) > 1 {
			if strings.Contains(args[1], ",") {
				b, _ := json.Marshal(strings.Split(args[1], ","))
				req.Attribute = b
			} else {
				b, _ := json.Marshal(args[1])
				req.Attribute = b
			}
		}
		if len(args) > 2 {
			req.Path = joinPath(args[2:])
		}
	case "exec":
		if len(args) < 2 {
			return req, errArgument("An exec request needs an MBean name and an operation")
		}
		req.MBean, req.Operation = args[0], args[1]
		for _, s := range args[2:] {
			switch s {
			case "[null]":
				req.Arguments = append(req.Arguments, nil)
			case `""`:
				req.Arguments = append(req.Arguments, "")
			default:
				req.Arguments = append(req.Arguments, s)
			}
		}
	case "search":
		if len(args) == 0 {
			return req, errArgument("No MBean pattern given for search request")
		}
		req.MBean = args[0]
	case "list":
		req.Path = joinPath(args)
	case "write":
		if len(args) > 0 {
			req.MBean = args[0]
		}
	default:
		return req, errArgument("Invalid request type '%s'", req.Type)
	}
	return req, nil
}

// echo is the request as Jolokia reports it back.
func echo(req *jolokiaRequest) map[string]any {
	if req == nil {
		return nil
	}
	e := map[string]any{"type": strings.ToLower(req.Type)}
	if req.MBean != "" {
		if on, err := parseObjectName(req.MBean); err == nil {
			e["mbean"] = on.canonical()
		} else {
			e["mbean"] = req.MBean
		}
	}
	if names, single, err := req.attributes(); err == nil && names != nil {
		if single {
			e["attribute"] = names[0]
		} else {
			e["attribute"] = names
		}
	}
	if req.Path != "" {
		e["path"] = req.Path
	}
	if req.Operation != "" {
		e["operation"] = req.Operation
		args := req.Arguments
		if args == nil {
			args = []any{}
		}
		e["arguments"] = args
	}
	return e
}

func errorResponse(req *jolokiaRequest, err error) map[string]any {
	var me *mgmtError
	if !errors.As(err, &me) {
		me = &mgmtError{"java.lang.Exception", err.Error(), 500}
	}
	resp := map[string]any{
		"error_type": me.javaType,
		"error":      me.javaType + " : " + me.msg,
		"status":     me.status,
	}
	if req != nil {
		resp["request"] = echo(req)
	}
	return resp
}

func okResponse(req *jolokiaRequest, v any) map[string]any {
	return map[string]any{"request": echo(req), "value": v, "timestamp": time.Now().Unix(), "status": 200}
}

// handleJolokia answers one request.
func (c *Console) handleJolokia(ctx context.Context, req *jolokiaRequest) map[string]any {
	var v any
	var err error
	switch strings.ToLower(req.Type) {
	case "read":
		v, err = c.jolokiaRead(req)
	case "exec":
		v, err = c.jolokiaExec(ctx, req)
	case "search":
		v, err = c.jolokiaSearch(req)
	case "list":
		v, err = c.jolokiaList(req)
	case "version":
		v = c.jolokiaVersion()
	case "write":
		err = &mgmtError{"java.lang.UnsupportedOperationException", "write requests are not supported: no ActiveMQ attribute is writable through this agent", 400}
	case "":
		err = errArgument("No request type given")
	default:
		err = errArgument("Invalid request type '%s'", req.Type)
	}
	if err != nil {
		return errorResponse(req, err)
	}
	return okResponse(req, v)
}

func malformed(err error) error {
	var me *malformedError
	if errors.As(err, &me) {
		return &mgmtError{"javax.management.MalformedObjectNameException", me.msg, 400}
	}
	return err
}

func (c *Console) jolokiaRead(req *jolokiaRequest) (any, error) {
	if req.MBean == "" {
		return nil, errArgument("No MBean name given for read request")
	}
	on, err := parseObjectName(req.MBean)
	if err != nil {
		return nil, malformed(err)
	}
	names, single, err := req.attributes()
	if err != nil {
		return nil, err
	}
	if on.isPattern() {
		ms := c.search(on)
		out := map[string]any{}
		for _, m := range ms {
			vals := m.values()
			if names == nil {
				out[m.name.canonical()] = vals
				continue
			}
			sub := map[string]any{}
			for _, n := range names {
				if x, ok := vals[n]; ok {
					sub[n] = x
				}
			}
			if len(sub) > 0 {
				out[m.name.canonical()] = sub
			}
		}
		if len(out) == 0 {
			return nil, &mgmtError{"javax.management.InstanceNotFoundException", "No matching MBean found for pattern " + on.canonical(), 404}
		}
		return out, nil
	}
	m := c.lookup(on)
	if m == nil {
		return nil, errInstanceNotFound(on.canonical())
	}
	vals := m.values()
	if names == nil {
		return applyPath(vals, req.Path)
	}
	if single {
		x, ok := vals[names[0]]
		if !ok {
			return nil, &mgmtError{"javax.management.AttributeNotFoundException", "No such attribute: " + names[0], 404}
		}
		return applyPath(x, req.Path)
	}
	out := map[string]any{}
	for _, n := range names {
		x, ok := vals[n]
		if !ok {
			return nil, &mgmtError{"javax.management.AttributeNotFoundException", "No such attribute: " + n, 404}
		}
		out[n] = x
	}
	return out, nil
}

// applyPath walks an inner path ("Queues/0/objectName") into a value.
func applyPath(v any, path string) (any, error) {
	if path == "" {
		return v, nil
	}
	for _, p := range splitPath(path) {
		switch t := v.(type) {
		case map[string]any:
			x, ok := t[p]
			if !ok {
				return nil, errArgument("No path element %q", p)
			}
			v = x
		case map[string]string:
			x, ok := t[p]
			if !ok {
				return nil, errArgument("No path element %q", p)
			}
			v = x
		case []map[string]string:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(t) {
				return nil, errArgument("Index %q out of range", p)
			}
			v = t[i]
		default:
			return nil, errArgument("Cannot walk into a %T with path element %q", v, p)
		}
	}
	return v, nil
}

func (c *Console) jolokiaSearch(req *jolokiaRequest) (any, error) {
	if req.MBean == "" {
		return nil, errArgument("No MBean pattern given for search request")
	}
	on, err := parseObjectName(req.MBean)
	if err != nil {
		return nil, malformed(err)
	}
	out := []string{}
	for _, m := range c.search(on) {
		out = append(out, m.name.canonical())
	}
	return out, nil
}

// findOp picks the operation a request names, with or without a signature.
func findOp(m *mbean, operation string) (*opDef, error) {
	name, sig, hasSig := operation, "", false
	if i := strings.IndexByte(operation, '('); i >= 0 && strings.HasSuffix(operation, ")") {
		name, sig, hasSig = operation[:i], operation[i+1:len(operation)-1], true
		sig = strings.ReplaceAll(sig, " ", "")
	}
	var cands []*opDef
	for i := range m.cls.ops {
		op := &m.cls.ops[i]
		if op.Name != name {
			continue
		}
		if hasSig {
			types := make([]string, len(op.Args))
			for j, a := range op.Args {
				types[j] = a.Type
			}
			if strings.Join(types, ",") != sig {
				continue
			}
		}
		cands = append(cands, op)
	}
	switch len(cands) {
	case 0:
		return nil, errArgument("No operation %s found on MBean %s", operation, m.name.canonical())
	case 1:
		return cands[0], nil
	}
	sigs := make([]string, len(cands))
	for i, op := range cands {
		sigs[i] = op.signature()
	}
	return nil, errArgument("Operation %s on MBean %s is overloaded. Signatures found: %s. Use a signature when specifying the operation.",
		name, m.name.canonical(), strings.Join(sigs, ", "))
}

func (c *Console) jolokiaExec(ctx context.Context, req *jolokiaRequest) (any, error) {
	if req.MBean == "" || req.Operation == "" {
		return nil, errArgument("An exec request needs an MBean name and an operation")
	}
	on, err := parseObjectName(req.MBean)
	if err != nil {
		return nil, malformed(err)
	}
	if on.isPattern() {
		ms := c.search(on)
		if len(ms) == 0 {
			return nil, &mgmtError{"javax.management.InstanceNotFoundException", "No matching MBean found for pattern " + on.canonical(), 404}
		}
		out := map[string]any{}
		for _, m := range ms {
			v, err := c.execOn(ctx, m, req)
			if err != nil {
				return nil, err
			}
			out[m.name.canonical()] = v
		}
		return out, nil
	}
	m := c.lookup(on)
	if m == nil {
		return nil, errInstanceNotFound(on.canonical())
	}
	return c.execOn(ctx, m, req)
}

func (c *Console) execOn(ctx context.Context, m *mbean, req *jolokiaRequest) (any, error) {
	op, err := findOp(m, req.Operation)
	if err != nil {
		return nil, err
	}
	if len(req.Arguments) != len(op.Args) {
		return nil, errArgument("Invalid number of operation arguments. Operation %s on %s requires %d parameters, not %d as given",
			op.signature(), m.name.canonical(), len(op.Args), len(req.Arguments))
	}
	args := make([]any, len(req.Arguments))
	for i, x := range req.Arguments {
		switch t := x.(type) {
		case nil, string:
			args[i] = t
		case float64:
			args[i] = strconv.FormatFloat(t, 'f', -1, 64)
		case bool:
			args[i] = strconv.FormatBool(t)
		default:
			b, _ := json.Marshal(t)
			args[i] = string(b)
		}
	}
	return op.call(c, ctx, m, args)
}

// jolokiaList answers list: MBean metadata by domain and key list.
func (c *Console) jolokiaList(req *jolokiaRequest) (any, error) {
	tree := map[string]any{}
	domainMap := map[string]any{}
	tree[jmxDomain] = domainMap
	for _, m := range c.mbeans() {
		domainMap[m.name.keyList()] = classInfo(m.cls)
	}
	if req.Path == "" {
		return tree, nil
	}
	parts := splitPath(strings.Trim(req.Path, "/"))
	if len(parts) > 3 {
		parts = parts[:3]
	}
	if parts[0] != jmxDomain {
		return nil, errArgument("No domain %q", parts[0])
	}
	if len(parts) == 1 {
		return domainMap, nil
	}
	on, err := parseObjectName(jmxDomain + ":" + parts[1])
	if err != nil {
		return nil, malformed(err)
	}
	info, ok := domainMap[on.keyList()]
	if !ok {
		return nil, errInstanceNotFound(on.canonical())
	}
	if len(parts) == 2 {
		return info, nil
	}
	sub, ok := info.(map[string]any)[parts[2]]
	if !ok {
		return nil, errArgument("No path element %q", parts[2])
	}
	return sub, nil
}

func classInfo(cls *mbeanClass) map[string]any {
	attrs := map[string]any{}
	for _, a := range cls.attrs {
		attrs[a.Name] = map[string]any{"type": a.Type, "rw": false, "desc": a.Desc}
	}
	ops := map[string]any{}
	byName := map[string][]any{}
	var names []string
	for _, op := range cls.ops {
		args := []any{}
		for _, a := range op.Args {
			args = append(args, map[string]any{"name": a.Name, "type": a.Type, "desc": a.Name})
		}
		if _, seen := byName[op.Name]; !seen {
			names = append(names, op.Name)
		}
		byName[op.Name] = append(byName[op.Name], map[string]any{"args": args, "ret": op.Ret, "desc": op.Desc})
	}
	sort.Strings(names)
	for _, n := range names {
		if len(byName[n]) == 1 {
			ops[n] = byName[n][0]
		} else {
			ops[n] = byName[n]
		}
	}
	return map[string]any{"class": cls.class, "desc": cls.desc, "attr": attrs, "op": ops}
}

func (c *Console) jolokiaVersion() map[string]any {
	return map[string]any{
		"agent":    jolokiaAgentVersion,
		"protocol": jolokiaProtocolVersion,
		"config": map[string]any{
			"agentType":         "servlet",
			"canonicalNaming":   "true",
			"includeStackTrace": "false",
			"maxDepth":          "15",
			"maxCollectionSize": "0",
			"maxObjects":        "0",
		},
		"info": map[string]any{
			"product": "activemq",
			"vendor":  "amq",
			"version": broker.Version,
			"extraInfo": map[string]any{
				"brokerName": c.b.Name(),
			},
		},
	}
}
