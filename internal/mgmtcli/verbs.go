package mgmtcli

import (
	"amq/internal/web"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
)

func decode(raw json.RawMessage, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	return d.Decode(v)
}

func asInt(v any) int64 {
	switch t := v.(type) {
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n
		}
		f, _ := t.Float64()
		return int64(f)
	case float64:
		return int64(t)
	}
	return 0
}

// patternRead reads attributes of every MBean a pattern selects; a pattern
// that selects nothing gives an empty map.
func patternRead(ctx context.Context, c *client, patterns []string, attrs []string) (map[string]map[string]any, error) {
	reqs := make([]map[string]any, len(patterns))
	for i, p := range patterns {
		reqs[i] = map[string]any{"type": "read", "mbean": p}
		if attrs != nil {
			reqs[i]["attribute"] = attrs
		}
	}
	resps, err := c.jolokia(ctx, reqs...)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]any{}
	for i, r := range resps {
		if err := r.err(); err != nil {
			var ae *APIError
			if errors.As(err, &ae) && ae.notFound() {
				continue
			}
			return nil, fmt.Errorf("read %s: %w", patterns[i], err)
		}
		if !strings.ContainsAny(patterns[i], "*?") {
			// An exact name answers with the attributes themselves.
			var attrs map[string]any
			if err := decode(r.Value, &attrs); err != nil {
				return nil, fmt.Errorf("read %s: %w", patterns[i], err)
			}
			name, _ := r.Request["mbean"].(string)
			if name == "" {
				name = patterns[i]
			}
			out[name] = attrs
			continue
		}
		var m map[string]map[string]any
		if err := decode(r.Value, &m); err != nil {
			return nil, fmt.Errorf("read %s: %w", patterns[i], err)
		}
		for k, v := range m {
			out[k] = v
		}
	}
	return out, nil
}

var dstatAttrs = []string{"Name", "QueueSize", "ProducerCount", "ConsumerCount", "EnqueueCount", "DequeueCount", "ForwardCount", "MemoryPercentUsage"}

// DstatRow is one line of dstat, and its --json form.
type DstatRow struct {
	Name               string `json:"name"`
	Type               string `json:"type"`
	QueueSize          int64  `json:"queueSize"`
	ProducerCount      int64  `json:"producerCount"`
	ConsumerCount      int64  `json:"consumerCount"`
	EnqueueCount       int64  `json:"enqueueCount"`
	DequeueCount       int64  `json:"dequeueCount"`
	ForwardCount       int64  `json:"forwardCount"`
	MemoryPercentUsage int64  `json:"memoryPercentUsage"`
}

const (
	dstatHeader = "%-50s  %10s  %10s  %10s  %10s  %10s  %10s  %10s\n"
	dstatRow    = "%-50s  %10d  %10d  %10d  %10d  %10d  %10d  %10d\n"
)

func destPattern(typ string) string {
	return jmxDomain + ":type=Broker,brokerName=*,destinationType=" + typ + ",destinationName=*"
}

func runDstat(ctx context.Context, c *client, o *options, w io.Writer) error {
	var types []string
	switch len(o.args) {
	case 0:
		types = []string{"Queue", "Topic"}
	case 1:
		switch strings.ToLower(o.args[0]) {
		case "queues", "queue":
			types = []string{"Queue"}
		case "topics", "topic":
			types = []string{"Topic"}
		case "all":
			types = []string{"Queue", "Topic"}
		default:
			return usageErrorf("dstat shows queues or topics, not %q", o.args[0])
		}
	default:
		return usageErrorf("dstat takes at most one argument (queues or topics)")
	}
	pats := make([]string, len(types))
	for i, t := range types {
		pats[i] = destPattern(t)
	}
	res, err := patternRead(ctx, c, pats, dstatAttrs)
	if err != nil {
		return err
	}
	names := slices.Sorted(maps.Keys(res))
	rows := make([]DstatRow, 0, len(names))
	for _, n := range names {
		a := res[n]
		name, _ := a["Name"].(string)
		rows = append(rows, DstatRow{
			Name: name, Type: parseName(n).props["destinationType"],
			QueueSize: asInt(a["QueueSize"]), ProducerCount: asInt(a["ProducerCount"]), ConsumerCount: asInt(a["ConsumerCount"]),
			EnqueueCount: asInt(a["EnqueueCount"]), DequeueCount: asInt(a["DequeueCount"]), ForwardCount: asInt(a["ForwardCount"]),
			MemoryPercentUsage: asInt(a["MemoryPercentUsage"]),
		})
	}
	if o.json {
		return writeJSON(w, rows)
	}
	fmt.Fprintf(w, dstatHeader, "Name", "Queue Size", "Producer #", "Consumer #", "Enqueue #", "Dequeue #", "Forward #", "Memory %")
	for _, r := range rows {
		fmt.Fprintf(w, dstatRow, r.Name, r.QueueSize, r.ProducerCount, r.ConsumerCount, r.EnqueueCount, r.DequeueCount, r.ForwardCount, r.MemoryPercentUsage)
	}
	return nil
}

var (
	bstatBrokerAttrs = []string{"BrokerName", "BrokerVersion", "BrokerId", "Uptime", "TotalEnqueueCount", "TotalDequeueCount", "TotalConsumerCount",
		"TotalProducerCount", "TotalMessageCount", "TotalConnectionsCount", "CurrentConnectionsCount", "MemoryPercentUsage", "StorePercentUsage", "TempPercentUsage"}
	bstatDestAttrs = []string{"Name", "QueueSize", "EnqueueCount", "DequeueCount", "DispatchCount", "InFlightCount", "ExpiredCount", "ConsumerCount", "ProducerCount"}
)

// mbeanBlock is one MBean of bstat or query: its name and attributes.
type mbeanBlock struct {
	ObjectName string         `json:"objectName"`
	Attributes map[string]any `json:"attributes"`
}

func runBstat(ctx context.Context, c *client, o *options, w io.Writer) error {
	broker := "*"
	switch len(o.args) {
	case 0:
	case 1:
		broker = o.args[0]
	default:
		return usageErrorf("bstat takes at most one argument, the broker name")
	}
	brokers, err := patternRead(ctx, c, []string{jmxDomain + ":type=Broker,brokerName=" + broker}, bstatBrokerAttrs)
	if err != nil {
		return err
	}
	if len(brokers) == 0 {
		return fmt.Errorf("no broker named %q", broker)
	}
	dests, err := patternRead(ctx, c, []string{
		jmxDomain + ":type=Broker,brokerName=" + broker + ",destinationType=Queue,destinationName=*",
		jmxDomain + ":type=Broker,brokerName=" + broker + ",destinationType=Topic,destinationName=*",
	}, bstatDestAttrs)
	if err != nil {
		return err
	}
	var blocks []mbeanBlock
	for _, n := range slices.Sorted(maps.Keys(brokers)) {
		blocks = append(blocks, mbeanBlock{n, brokers[n]})
	}
	for _, n := range slices.Sorted(maps.Keys(dests)) {
		if name, _ := dests[n]["Name"].(string); strings.HasPrefix(name, "ActiveMQ.Advisory.") {
			continue
		}
		blocks = append(blocks, mbeanBlock{n, dests[n]})
	}
	if o.json {
		return writeJSON(w, blocks)
	}
	for _, b := range blocks {
		on := parseName(b.ObjectName)
		order := bstatBrokerAttrs
		if t := on.props["destinationType"]; t != "" {
			fmt.Fprintf(w, "destinationType = %s\n", t)
			order = bstatDestAttrs
		}
		for _, a := range order {
			if v, ok := b.Attributes[a]; ok {
				fmt.Fprintf(w, "%s = %s\n", a, formatValue(v))
			}
		}
		fmt.Fprintln(w)
	}
	return nil
}

// search lists the MBean names a set of patterns selects.
func search(ctx context.Context, c *client, patterns []string) ([]string, error) {
	if len(patterns) == 0 {
		return nil, nil
	}
	reqs := make([]map[string]any, len(patterns))
	for i, p := range patterns {
		reqs[i] = map[string]any{"type": "search", "mbean": p}
	}
	resps, err := c.jolokia(ctx, reqs...)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for i, r := range resps {
		if err := r.err(); err != nil {
			return nil, fmt.Errorf("search %s: %w", patterns[i], err)
		}
		var names []string
		if err := decode(r.Value, &names); err != nil {
			return nil, err
		}
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

func runQuery(ctx context.Context, c *client, o *options, w io.Writer) error {
	if len(o.args) > 0 {
		return usageErrorf("query takes no arguments (got %q); use -Q<type>=<name> or --objname", o.args)
	}
	adds := o.adds
	if len(adds) == 0 {
		adds = []string{jmxDomain + ":*"}
	}
	names, err := search(ctx, c, adds)
	if err != nil {
		return err
	}
	if len(o.subs) > 0 {
		drop, err := search(ctx, c, o.subs)
		if err != nil {
			return err
		}
		gone := map[string]bool{}
		for _, n := range drop {
			gone[n] = true
		}
		kept := names[:0]
		for _, n := range names {
			if !gone[n] {
				kept = append(kept, n)
			}
		}
		names = kept
	}
	var blocks []mbeanBlock
	if len(names) > 0 {
		reqs := make([]map[string]any, len(names))
		for i, n := range names {
			reqs[i] = map[string]any{"type": "read", "mbean": n}
		}
		resps, err := c.jolokia(ctx, reqs...)
		if err != nil {
			return err
		}
		for i, r := range resps {
			if err := r.err(); err != nil {
				var ae *APIError
				if errors.As(err, &ae) && ae.notFound() {
					continue // removed between the search and the read
				}
				return fmt.Errorf("read %s: %w", names[i], err)
			}
			var attrs map[string]any
			if err := decode(r.Value, &attrs); err != nil {
				return err
			}
			blocks = append(blocks, mbeanBlock{names[i], attrs})
		}
	}
	if len(o.view) > 0 {
		for i := range blocks {
			on := parseName(blocks[i].ObjectName)
			kept := map[string]any{}
			for _, v := range o.view {
				if x, ok := blocks[i].Attributes[v]; ok {
					kept[v] = x
				} else if x, ok := on.props[v]; ok {
					kept[v] = x
				}
			}
			blocks[i].Attributes = kept
		}
	}
	if o.json {
		if blocks == nil {
			blocks = []mbeanBlock{}
		}
		return writeJSON(w, blocks)
	}
	for _, b := range blocks {
		if len(o.view) == 0 {
			on := parseName(b.ObjectName)
			for _, k := range slices.Sorted(maps.Keys(on.props)) {
				fmt.Fprintf(w, "%s = %s\n", k, on.props[k])
			}
		}
		for _, k := range slices.Sorted(maps.Keys(b.Attributes)) {
			fmt.Fprintf(w, "%s = %s\n", k, formatValue(b.Attributes[k]))
		}
		fmt.Fprintln(w)
	}
	return nil
}

// selector joins repeated --msgsel options; a message must match them all.
func selector(o *options) string {
	switch len(o.msgsel) {
	case 0:
		return ""
	case 1:
		return o.msgsel[0]
	}
	parts := make([]string, len(o.msgsel))
	for i, s := range o.msgsel {
		parts[i] = "(" + s + ")"
	}
	return strings.Join(parts, " AND ")
}

func runBrowse(ctx context.Context, c *client, o *options, w io.Writer) error {
	if len(o.args) == 0 {
		return usageErrorf("browse needs a queue name")
	}
	sel := selector(o)
	var results []*browseResult
	for _, q := range o.args {
		// queue: is ActiveMQ browse's own prefix.
		q = strings.TrimPrefix(strings.TrimPrefix(q, "queue://"), "queue:")
		res, err := c.browse(ctx, q, sel, o.limit)
		if err != nil {
			return fmt.Errorf("browse %s: %w", q, err)
		}
		results = append(results, res)
	}
	if o.json {
		return writeJSON(w, results)
	}
	for _, res := range results {
		for _, m := range res.Messages {
			printMessage(w, m, o.showField)
		}
		if res.Truncated {
			fmt.Fprintf(w, "INFO: showing the first %d messages of %s; use --limit for more\n", len(res.Messages), res.Queue)
		}
	}
	return nil
}

// Field name prefixes of ActiveMQ's browse output, also its -V groups.
const (
	fieldHeader = "JMS_HEADER_FIELD:"
	fieldCustom = "JMS_CUSTOM_FIELD:"
	fieldBody   = "JMS_BODY_FIELD:"
)

// showField applies -V and --view: a field is shown when it is in a chosen
// group or is a chosen field (ActiveMQ's help describes them so); with
// neither, every field is.
func (o *options) showField(key string) bool {
	if len(o.groups) == 0 && len(o.fields) == 0 {
		return true
	}
	for _, g := range o.groups {
		if strings.HasPrefix(key, g) {
			return true
		}
	}
	return slices.Contains(o.fields, key)
}

// printMessage prints a message as ActiveMQ's browse command does: header,
// custom and body fields, one "key = value" per line, those show accepts.
func printMessage(w io.Writer, m web.MessageView, show func(string) bool) {
	mode := "non-persistent"
	if m.JMSDeliveryMode == "PERSISTENT" {
		mode = "persistent"
	}
	field := func(k, v string) {
		if show(k) {
			fmt.Fprintf(w, "%s = %s\n", k, v)
		}
	}
	field("JMS_HEADER_FIELD:JMSDestination", m.JMSDestination)
	field("JMS_HEADER_FIELD:JMSDeliveryMode", mode)
	field("JMS_HEADER_FIELD:JMSExpiration", fmt.Sprint(m.JMSExpiration))
	field("JMS_HEADER_FIELD:JMSPriority", fmt.Sprint(m.JMSPriority))
	field("JMS_HEADER_FIELD:JMSMessageID", m.JMSMessageID)
	field("JMS_HEADER_FIELD:JMSTimestamp", fmt.Sprint(m.JMSTimestamp))
	if m.JMSCorrelationID != "" {
		field("JMS_HEADER_FIELD:JMSCorrelationID", m.JMSCorrelationID)
	}
	if m.JMSType != "" {
		field("JMS_HEADER_FIELD:JMSType", m.JMSType)
	}
	if m.JMSReplyTo != "" {
		field("JMS_HEADER_FIELD:JMSReplyTo", m.JMSReplyTo)
	}
	field("JMS_HEADER_FIELD:JMSRedelivered", fmt.Sprint(m.JMSRedelivered))
	if m.JMSXGroupID != "" {
		field("JMS_HEADER_FIELD:JMSXGroupID", m.JMSXGroupID)
		field("JMS_HEADER_FIELD:JMSXGroupSeq", fmt.Sprint(m.JMSXGroupSeq))
	}
	if m.OriginalDestination != "" {
		field("JMS_HEADER_FIELD:OriginalDestination", m.OriginalDestination)
	}
	for _, k := range slices.Sorted(maps.Keys(m.Properties)) {
		field("JMS_CUSTOM_FIELD:"+k, formatValue(m.Properties[k]))
	}
	switch {
	case m.Text != nil:
		field("JMS_BODY_FIELD:JMSText", *m.Text)
	case m.Map != nil:
		for _, k := range slices.Sorted(maps.Keys(m.Map)) {
			field("JMS_BODY_FIELD:"+k, formatValue(m.Map[k]))
		}
	case m.Stream != nil:
		field("JMS_BODY_FIELD:JMSStream", formatValue(m.Stream))
	case m.BodyBase64 != "":
		raw, _ := base64.StdEncoding.DecodeString(m.BodyBase64)
		field("JMS_BODY_FIELD:JMSBytes", fmt.Sprintf("(%d bytes) %s", len(raw), m.BodyBase64))
	}
	fmt.Fprintln(w)
}

// PurgeResult is one queue's outcome in purge --json.
type PurgeResult struct {
	Queue    string `json:"queue"`
	Selector string `json:"selector,omitempty"`
	Removed  *int64 `json:"removed,omitempty"`
}

func runPurge(ctx context.Context, c *client, o *options, w io.Writer) error {
	if len(o.args) == 0 {
		return usageErrorf("purge needs a queue name")
	}
	sel := selector(o)
	var pats []string
	for _, q := range o.args {
		pats = append(pats, jmxDomain+":type=Broker,brokerName=*,destinationType=Queue,destinationName="+strings.TrimPrefix(q, "queue://"))
	}
	names, err := search(ctx, c, pats)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return fmt.Errorf("no queue matches %s", strings.Join(o.args, ", "))
	}
	reqs := make([]map[string]any, len(names))
	for i, n := range names {
		if sel == "" {
			reqs[i] = map[string]any{"type": "exec", "mbean": n, "operation": "purge()", "arguments": []any{}}
		} else {
			reqs[i] = map[string]any{"type": "exec", "mbean": n, "operation": "removeMatchingMessages(java.lang.String)", "arguments": []any{sel}}
		}
	}
	resps, err := c.jolokia(ctx, reqs...)
	if err != nil {
		return err
	}
	var results []PurgeResult
	var firstErr error
	for i, r := range resps {
		queue := parseName(names[i]).props["destinationName"]
		if err := r.err(); err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("purge %s: %w", queue, err)
			}
			continue
		}
		res := PurgeResult{Queue: queue, Selector: sel}
		if sel != "" {
			var v any
			if err := decode(r.Value, &v); err == nil {
				n := asInt(v)
				res.Removed = &n
			}
		}
		results = append(results, res)
	}
	if o.json {
		if err := writeJSON(w, results); err != nil {
			return err
		}
		return firstErr
	}
	for _, r := range results {
		if r.Removed == nil {
			fmt.Fprintf(w, "INFO: Purging all messages in queue: %s\n", r.Queue)
		} else {
			fmt.Fprintf(w, "INFO: Removed %d messages matching %q from queue: %s\n", *r.Removed, r.Selector, r.Queue)
		}
	}
	return firstErr
}
