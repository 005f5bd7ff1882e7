package web

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"amq/broker"
	"amq/internal/openwire/wire"
)

// MessageView is a message as /api/browse, the console and the CLI show it.
// Header names are JMS's, so scripts written against ActiveMQ's browse
// output recognise them.
type MessageView struct {
	JMSMessageID        string         `json:"JMSMessageID"`
	JMSDestination      string         `json:"JMSDestination"`
	JMSDeliveryMode     string         `json:"JMSDeliveryMode"` // PERSISTENT or NON_PERSISTENT
	JMSPriority         int            `json:"JMSPriority"`
	JMSTimestamp        int64          `json:"JMSTimestamp"`
	JMSExpiration       int64          `json:"JMSExpiration"`
	JMSCorrelationID    string         `json:"JMSCorrelationID,omitempty"`
	JMSType             string         `json:"JMSType,omitempty"`
	JMSReplyTo          string         `json:"JMSReplyTo,omitempty"`
	JMSRedelivered      bool           `json:"JMSRedelivered"`
	JMSXDeliveryCount   int32          `json:"JMSXDeliveryCount"`
	JMSXGroupID         string         `json:"JMSXGroupID,omitempty"`
	JMSXGroupSeq        int32          `json:"JMSXGroupSeq,omitempty"`
	JMSXUserID          string         `json:"JMSXUserID,omitempty"`
	OriginalDestination string         `json:"originalDestination,omitempty"`
	Properties          map[string]any `json:"properties"`
	BodyType            string         `json:"bodyType"` // text, bytes, map, stream, object, none
	Text                *string        `json:"text,omitempty"`
	BodyBase64          string         `json:"bodyBase64,omitempty"`
	Map                 map[string]any `json:"map,omitempty"`
	Stream              []any          `json:"stream,omitempty"`
	BodySize            int            `json:"bodySize"` // bytes of the body as stored
	Size                int            `json:"size"`     // approximate memory the message holds
}

// DestURL renders a destination as ActiveMQ's browse output does.
func destURL(d broker.Destination) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func propValue(p broker.Property) any {
	switch p.Type {
	case broker.PropNull:
		return nil
	case broker.PropBool:
		return p.I != 0
	case broker.PropByte, broker.PropShort, broker.PropInt, broker.PropLong:
		return p.I
	case broker.PropFloat, broker.PropDouble:
		return p.F
	case broker.PropBytes:
		return base64.StdEncoding.EncodeToString(p.B)
	}
	return p.String()
}

func bodyTypeName(k broker.BodyKind) string {
	switch k {
	case broker.BodyText:
		return "text"
	case broker.BodyBytes:
		return "bytes"
	case broker.BodyMap:
		return "map"
	case broker.BodyObject:
		return "object"
	case broker.BodyStream:
		return "stream"
	case broker.BodyBlob:
		return "blob"
	}
	return "none"
}

// viewMessage converts a broker message for display. OpenWire bodies are
// decoded where their JMS type has a readable form.
func viewMessage(m *broker.Message) MessageView {
	v := MessageView{
		JMSMessageID:        m.ID,
		JMSDestination:      destURL(m.Dest),
		JMSDeliveryMode:     "NON_PERSISTENT",
		JMSPriority:         int(m.Priority),
		JMSTimestamp:        m.Timestamp,
		JMSExpiration:       m.Expiration,
		JMSCorrelationID:    m.CorrelationID,
		JMSType:             m.Type,
		JMSReplyTo:          destURL(m.ReplyTo),
		JMSRedelivered:      m.RedeliveryCount > 0,
		JMSXDeliveryCount:   m.RedeliveryCount + 1,
		JMSXGroupID:         m.GroupID,
		JMSXGroupSeq:        m.GroupSeq,
		JMSXUserID:          m.UserID,
		OriginalDestination: destURL(m.OriginalDest),
		Properties:          make(map[string]any, len(m.Props)),
		BodyType:            bodyTypeName(m.BodyKind),
		Size:                m.Size(),
		BodySize:            len(m.Body),
	}
	if m.Persistent {
		v.JMSDeliveryMode = "PERSISTENT"
	}
	for _, p := range m.Props {
		v.Properties[p.Name] = propValue(p)
	}
	body := m.Body
	if m.BodyEncoding == broker.EncOpenWire {
		switch m.BodyKind {
		case broker.BodyText:
			if s, isNull, err := wire.TextBody(m.Body, m.Compressed); err == nil {
				if !isNull {
					v.Text = &s
				}
				return v
			}
		case broker.BodyMap:
			if mp, err := wire.MapBody(m.Body, m.Compressed); err == nil {
				v.Map = jsonSafeMap(mp)
				return v
			}
		case broker.BodyStream:
			if st, err := wire.StreamBody(m.Body, m.Compressed); err == nil {
				v.Stream = jsonSafeList(st)
				return v
			}
		case broker.BodyBytes:
			if b, err := wire.BytesBody(m.Body, m.Compressed); err == nil {
				body = b
			}
		}
	}
	if m.BodyKind == broker.BodyText && m.BodyEncoding == broker.EncNative {
		s := string(body)
		v.Text = &s
		return v
	}
	if len(body) > 0 {
		v.BodyBase64 = base64.StdEncoding.EncodeToString(body)
	}
	return v
}

func jsonSafe(x any) any {
	switch t := x.(type) {
	case []byte:
		return base64.StdEncoding.EncodeToString(t)
	case map[string]any:
		return jsonSafeMap(t)
	case []any:
		return jsonSafeList(t)
	}
	return x
}

func jsonSafeMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, x := range m {
		out[k] = jsonSafe(x)
	}
	return out
}

func jsonSafeList(l []any) []any {
	out := make([]any, len(l))
	for i, x := range l {
		out[i] = jsonSafe(x)
	}
	return out
}

// BodyPreview is a short, printable rendering of the body.
func (v MessageView) BodyPreview(max int) string {
	s := v.BodyString()
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}

// BodyString renders the body as text: the text itself, map and stream
// entries, or base64 for binary content.
func (v MessageView) BodyString() string {
	switch {
	case v.Text != nil:
		return *v.Text
	case v.Map != nil:
		keys := make([]string, 0, len(v.Map))
		for k := range v.Map {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k + "=" + anyString(v.Map[k]))
		}
		b.WriteByte('}')
		return b.String()
	case v.Stream != nil:
		parts := make([]string, len(v.Stream))
		for i, x := range v.Stream {
			parts[i] = anyString(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case v.BodyBase64 != "":
		raw, _ := base64.StdEncoding.DecodeString(v.BodyBase64)
		if utf8.Valid(raw) && printable(string(raw)) {
			return string(raw)
		}
		return "(binary, " + strconv.Itoa(len(raw)) + " bytes) base64:" + v.BodyBase64
	}
	return ""
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}

func anyString(x any) string {
	switch t := x.(type) {
	case nil:
		return "null"
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64)
	}
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(fmt.Sprint(x), "\n", " "), "\r", ""))
}

// SortedProps lists properties by name for display.
func (v MessageView) SortedProps() [][2]string {
	out := make([][2]string, 0, len(v.Properties))
	for k, x := range v.Properties {
		out = append(out, [2]string{k, anyString(x)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// Time renders a unix-ms timestamp for the console.
func msTime(ms int64) string {
	if ms <= 0 {
		return ""
	}
	return time.UnixMilli(ms).Format("2006-01-02 15:04:05.000 MST")
}
