// Package mgmtcli is ActiveMQ's management verbs (dstat, bstat, query,
// browse, purge) against a running broker. It talks only HTTP to the
// broker's web console: the Jolokia API under /api/jolokia and the browse
// endpoint under /api/browse, so it works wherever the console is reachable
// and needs no JMX.
package mgmtcli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"amq/internal/config"
)

// DefaultURL is where the broker's web console listens by default.
const DefaultURL = "http://127.0.0.1:8161"

// Verbs are the verbs Run understands.
var Verbs = []string{"dstat", "bstat", "query", "browse", "purge"}

// UsageError is a mistake on the command line; callers exit with status 2.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

func usageErrorf(format string, a ...any) error { return &UsageError{fmt.Sprintf(format, a...)} }

// ErrHelp is returned after printing help for -h / --help.
var ErrHelp = errors.New("help requested")

// options are the flags every verb takes plus the verb's own.
type options struct {
	url, user, password string
	json                bool
	timeout             time.Duration

	msgsel []string
	limit  int
	view   []string
	// browse's field filter: -V groups (JMS_HEADER_FIELD: ...) and --view
	// fields; both empty shows every field.
	groups, fields []string
	adds           []string // object name patterns to add (query)
	subs           []string // object name patterns to remove (query)
	args           []string // positional arguments
}

// Run performs one management verb. Output goes to stdout; a returned
// error says what went wrong (a *UsageError for bad arguments).
func Run(ctx context.Context, verb string, args []string, stdout, stderr io.Writer) error {
	var run func(context.Context, *client, *options, io.Writer) error
	switch verb {
	case "dstat":
		run = runDstat
	case "bstat":
		run = runBstat
	case "query":
		run = runQuery
	case "browse":
		run = runBrowse
	case "purge":
		run = runPurge
	default:
		return usageErrorf("unknown management verb %q (known: %s)", verb, strings.Join(Verbs, ", "))
	}
	o, err := parseArgs(verb, args)
	if errors.Is(err, ErrHelp) {
		fmt.Fprint(stdout, helpText(verb))
		return nil
	}
	if err != nil {
		fmt.Fprintf(stderr, "Run 'amq %s --help' for its options.\n", verb)
		return err
	}
	c, err := newClient(o.url, o.user, o.password, o.timeout)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	return run(ctx, c, o, stdout)
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// parseArgs reads ActiveMQ-style arguments: --name value, --name=value,
// -QType=Name and -xQType=Name, and positional names.
func parseArgs(verb string, args []string) (*options, error) {
	o := &options{
		url:      envOr("AMQ_URL", DefaultURL),
		user:     envOr("AMQ_USER", "admin"),
		password: envOr("AMQ_PASSWORD", "admin"),
		timeout:  30 * time.Second,
		limit:    -1,
	}
	urlSet, amqURL := false, ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			o.args = append(o.args, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			o.args = append(o.args, a)
			continue
		}
		if verb == "query" && (strings.HasPrefix(a, "-Q") || strings.HasPrefix(a, "-xQ")) {
			sub := strings.HasPrefix(a, "-xQ")
			spec := strings.TrimPrefix(strings.TrimPrefix(a, "-xQ"), "-Q")
			pats, err := predefined(spec)
			if err != nil {
				return nil, err
			}
			if sub {
				o.subs = append(o.subs, pats...)
			} else {
				o.adds = append(o.adds, pats...)
			}
			continue
		}
		if verb == "browse" && strings.HasPrefix(a, "-V") {
			gs, err := viewGroups(a[2:])
			if err != nil {
				return nil, err
			}
			o.groups = append(o.groups, gs...)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		value := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", usageErrorf("%s needs a value", a)
			}
			i++
			return args[i], nil
		}
		var err error
		var v string
		switch name {
		case "h", "help", "?":
			return nil, ErrHelp
		case "url":
			o.url, err = value()
			urlSet = true
		case "amqurl":
			if verb != "browse" {
				return nil, usageErrorf("%s: amq's management verbs talk to the broker's web console over HTTP; use --url %s (and --user, --password)", a, DefaultURL)
			}
			amqURL, err = value()
		case "user", "jmxuser":
			o.user, err = value()
		case "password", "jmxpassword":
			o.password, err = value()
		case "json":
			o.json = true
			if hasVal {
				o.json, err = strconv.ParseBool(val)
			}
		case "timeout":
			if v, err = value(); err == nil {
				o.timeout, err = time.ParseDuration(v)
				if err == nil && o.timeout <= 0 {
					err = usageErrorf("--timeout must be positive")
				}
			}
		case "jmxurl", "brokerUrl", "pid", "jmxlocal":
			return nil, usageErrorf("%s: amq's management verbs talk to the broker's web console over HTTP; use --url %s (and --user, --password)", a, DefaultURL)
		case "msgsel":
			if verb != "browse" && verb != "purge" {
				return nil, usageErrorf("%s is not an option of %s", a, verb)
			}
			if v, err = value(); err == nil {
				o.msgsel = append(o.msgsel, v)
			}
		case "limit":
			if verb != "browse" {
				return nil, usageErrorf("%s is not an option of %s", a, verb)
			}
			if v, err = value(); err == nil {
				o.limit, err = strconv.Atoi(v)
				if err == nil && o.limit < 0 {
					err = usageErrorf("--limit must not be negative")
				}
			}
		case "view":
			if verb == "browse" {
				if v, err = value(); err == nil {
					o.fields = append(o.fields, viewFields(v)...)
				}
				break
			}
			if verb != "query" {
				return nil, usageErrorf("%s is not an option of %s", a, verb)
			}
			if v, err = value(); err == nil {
				for _, f := range strings.Split(v, ",") {
					if f = strings.TrimSpace(f); f != "" {
						o.view = append(o.view, f)
					}
				}
			}
		case "objname", "xobjname":
			if verb != "query" {
				return nil, usageErrorf("%s is not an option of %s", a, verb)
			}
			if v, err = value(); err == nil {
				p := objectNamePattern(v)
				if name == "objname" {
					o.adds = append(o.adds, p)
				} else {
					o.subs = append(o.subs, p)
				}
			}
		default:
			return nil, usageErrorf("unknown option %s", a)
		}
		if err != nil {
			var ue *UsageError
			if errors.As(err, &ue) {
				return nil, err
			}
			return nil, usageErrorf("%s: %v", a, err)
		}
	}
	if amqURL != "" && !urlSet {
		u, err := consoleURL(amqURL)
		if err != nil {
			return nil, err
		}
		o.url = u
	}
	return o, nil
}

// consoleURL turns ActiveMQ browse's --amqurl (the broker's OpenWire
// address, failover:(...) lists included) into the console on the same host
// at the console's default port: amq browses over HTTP. --url, when given,
// wins.
func consoleURL(amqURL string) (string, error) {
	u, err := config.ParseConnectorURI(amqURL)
	if err == nil && u.Composite {
		if len(u.Components) == 0 {
			err = errors.New("no broker in it")
		} else {
			u = u.Components[0]
		}
	}
	if err != nil || u.Host == "" {
		return "", usageErrorf("--amqurl %q is not a broker URL like tcp://localhost:61616", amqURL)
	}
	host := u.Host
	if host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, "8161"), nil
}

// viewGroups reads browse's -V<header|custom|body>[,...].
func viewGroups(spec string) ([]string, error) {
	var out []string
	for _, g := range strings.Split(spec, ",") {
		switch strings.TrimSpace(g) {
		case "header":
			out = append(out, fieldHeader)
		case "custom":
			out = append(out, fieldCustom)
		case "body":
			out = append(out, fieldBody)
		default:
			return nil, usageErrorf("unknown group view %q in -V%s (known: header, custom, body)", g, spec)
		}
	}
	return out, nil
}

// viewFields reads browse's --view list: header:X, custom:X and body:X name a
// field of one group; a bare X names it in any group.
func viewFields(spec string) []string {
	var out []string
	for _, f := range strings.Split(spec, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "":
		case strings.HasPrefix(f, "header:"):
			out = append(out, fieldHeader+f[len("header:"):])
		case strings.HasPrefix(f, "custom:"):
			out = append(out, fieldCustom+f[len("custom:"):])
		case strings.HasPrefix(f, "body:"):
			out = append(out, fieldBody+f[len("body:"):])
		default:
			out = append(out, fieldHeader+f, fieldCustom+f, fieldBody+f)
		}
	}
	return out
}

const jmxDomain = "org.apache.activemq"

// objectNamePattern completes an ActiveMQ --objname query ("type=Broker,
// brokerName=*") with the domain.
func objectNamePattern(s string) string {
	if strings.Contains(s, ":") {
		return s
	}
	return jmxDomain + ":" + s
}

// predefined expands -QType=Name (comma-separated names allowed) the way
// ActiveMQ's query command does.
func predefined(spec string) ([]string, error) {
	typ, names, _ := strings.Cut(spec, "=")
	var tmpl string
	switch strings.ToLower(typ) {
	case "broker":
		tmpl = "type=Broker,brokerName=%s"
	case "queue":
		tmpl = "type=Broker,brokerName=*,destinationType=Queue,destinationName=%s"
	case "topic":
		tmpl = "type=Broker,brokerName=*,destinationType=Topic,destinationName=%s"
	case "tempqueue":
		tmpl = "type=Broker,brokerName=*,destinationType=TempQueue,destinationName=%s"
	case "temptopic":
		tmpl = "type=Broker,brokerName=*,destinationType=TempTopic,destinationName=%s"
	case "durable", "subscription":
		tmpl = "type=Broker,brokerName=*,destinationType=Topic,destinationName=*,endpoint=Consumer,clientId=*,consumerId=Durable(%s)"
	default:
		return nil, usageErrorf("unknown query object type %q (known: Broker, Queue, Topic, TempQueue, TempTopic, Durable)", typ)
	}
	if names == "" {
		names = "*"
	}
	var out []string
	for _, n := range strings.Split(names, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, jmxDomain+":"+fmt.Sprintf(tmpl, n))
		}
	}
	return out, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// objectName is the little of a JMX name the verbs need: its key properties.
type objectName struct {
	canonical string
	props     map[string]string
}

func parseName(s string) objectName {
	on := objectName{canonical: s, props: map[string]string{}}
	_, rest, _ := strings.Cut(s, ":")
	for _, kv := range splitProps(rest) {
		k, v, _ := strings.Cut(kv, "=")
		on.props[k] = v
	}
	return on
}

func splitProps(s string) []string {
	var out []string
	inQuote, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if inQuote {
				i++
			}
		case '"':
			inQuote = !inQuote
		case ',':
			if !inQuote {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// formatValue renders an attribute value as ActiveMQ's console prints
// Java values: lists in brackets, maps in braces, ObjectNames by name.
func formatValue(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case json.Number:
		return t.String()
	case float64:
		if t == float64(int64(t)) {
			return strconv.FormatInt(int64(t), 10)
		}
		return strconv.FormatFloat(t, 'f', -1, 64)
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = formatValue(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		if on, ok := t["objectName"].(string); ok && len(t) == 1 {
			return on
		}
		parts := make([]string, 0, len(t))
		for _, k := range slices.Sorted(maps.Keys(t)) {
			parts = append(parts, k+"="+formatValue(t[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func helpText(verb string) string {
	common := `
Connection options:
    --url <url>            The broker's web console (default ` + DefaultURL + `, or $AMQ_URL).
    --user <name>          Console user (default admin, or $AMQ_USER).
    --password <pw>        Its password (default admin, or $AMQ_PASSWORD).
    --timeout <duration>   Give up after this long (default 30s).
    --json                 Print JSON for scripts instead of the table.
    -h, --help             Print this help.
`
	switch verb {
	case "dstat":
		return `Usage: amq dstat [options] [queues|topics]
Displays statistics of the broker's destinations in a table: Name, Queue Size,
Producer #, Consumer #, Enqueue #, Dequeue #, Forward #, Memory %.
Without queues or topics, both are shown.
` + common
	case "bstat":
		return `Usage: amq bstat [options] [broker-name]
Displays the broker's statistics and those of its queues and topics
(advisory topics left out).
` + common
	case "query":
		return `Usage: amq query [options]
Displays the attributes of the broker's management objects.

Query options:
    -Q<type>=<name>        Add the objects of a type whose name matches (* and ? are
                           wildcards; names may be comma separated). Types: Broker,
                           Queue, Topic, TempQueue, TempTopic, Durable.
    -xQ<type>=<name>       Remove those objects from the result.
    --objname <query>      Add objects matching a JMX object name pattern
                           (e.g. type=Broker,brokerName=*,destinationType=Queue,*).
    --xobjname <query>     Remove objects matching the pattern.
    --view <a>,<b>,...     Show only these attributes.

Examples:
    amq query -QQueue=TEST.FOO
    amq query -QTopic=* --view EnqueueCount,DequeueCount
    amq query -QQueue=* -xQQueue=ActiveMQ.DLQ --view QueueSize
` + common
	case "browse":
		return `Usage: amq browse [options] <queue> [<queue> ...]
Displays the messages of queues without consuming them.

Browse options:
    --msgsel <selector>    Only messages matching this JMS selector.
    --limit <n>            At most n messages per queue (default 400, 0 = all).
    --amqurl <url>         The broker to browse, as ActiveMQ's tcp://host:61616; amq
                           reads it through the console at host:8161 (--url wins).
    -V<header|custom|body> Show only these groups of fields (comma-separated).
    --view <f1>,<f2>,...   Show only these fields: header:X, custom:X, body:X, or X
                           in any group. With -V, a field of either is shown.
` + common
	case "purge":
		return `Usage: amq purge [options] <queue> [<queue> ...]
Deletes the pending messages of queues. Queue names may use * and ? wildcards.

Purge options:
    --msgsel <selector>    Only delete messages matching this JMS selector.
` + common
	}
	return ""
}
