package broker

import (
	"sync"

	"amq/broker/selector"
)

// selectorFilter evaluates a compiled JMS selector against messages.
type selectorFilter struct {
	sel *selector.Selector
}

// CompileSelector is the default selector compiler: JMS SQL-92 selectors as
// ActiveMQ evaluates them. A "convert_string_expressions:" prefix (what
// ActiveMQ's STOMP layer adds) lets numeric comparisons read string headers.
func compileSelector(s string) (Filter, error) {
	sel, err := selector.Parse(s)
	if err != nil {
		return nil, err
	}
	if sel == nil {
		return nil, nil
	}
	return &selectorFilter{sel: sel}, nil
}

// sources recycles msgSource values: handing a struct to the selector as an
// interface would otherwise allocate on every evaluation.
var sources = sync.Pool{New: func() any { return new(msgSource) }}

func (f *selectorFilter) Match(m *Message, deliveryCount int32) bool {
	src := sources.Get().(*msgSource)
	src.m, src.count = m, deliveryCount
	ok := f.sel.Matches(src)
	src.m = nil
	sources.Put(src)
	return ok
}

func (f *selectorFilter) String() string { return f.sel.String() }

// msgSource exposes a message's headers and properties to the selector under
// their JMS names.
type msgSource struct {
	m     *Message
	count int32
}

func (s *msgSource) Lookup(name string) selector.Value {
	m := s.m
	if len(name) > 3 && name[0] == 'J' && name[1] == 'M' && name[2] == 'S' {
		switch name {
		case "JMSType":
			return optString(m.Type)
		case "JMSPriority":
			return selector.IntValue(int64(m.Priority))
		case "JMSTimestamp":
			return selector.IntValue(m.Timestamp)
		case "JMSCorrelationID":
			return optString(m.CorrelationID)
		case "JMSMessageID":
			return selector.StringValue(m.ID)
		case "JMSDeliveryMode":
			if m.Persistent {
				return selector.StringValue("PERSISTENT")
			}
			return selector.StringValue("NON_PERSISTENT")
		case "JMSExpiration":
			return selector.IntValue(m.Expiration)
		case "JMSRedelivered":
			return selector.BoolValue(s.count > 1)
		case "JMSXDeliveryCount":
			return selector.IntValue(int64(s.count))
		case "JMSXGroupID":
			return optString(m.GroupID)
		case "JMSXGroupSeq":
			return selector.IntValue(int64(m.GroupSeq))
		case "JMSXUserID":
			return optString(m.UserID)
		case "JMSDestination":
			return selector.StringValue(m.Dest.String())
		case "JMSReplyTo":
			if m.ReplyTo.IsZero() {
				return selector.Value{}
			}
			return selector.StringValue(m.ReplyTo.String())
		}
	}
	for i := range m.Props {
		p := &m.Props[i]
		if p.Name != name {
			continue
		}
		switch p.Type {
		case PropBool:
			return selector.BoolValue(p.I != 0)
		case PropByte, PropShort, PropInt, PropLong:
			return selector.IntValue(p.I)
		case PropFloat, PropDouble:
			return selector.FloatValue(p.F)
		case PropString:
			return selector.StringValue(p.S)
		case PropChar:
			return selector.StringValue(string(rune(p.I)))
		}
		return selector.Value{}
	}
	return selector.Value{}
}

func optString(s string) selector.Value {
	if s == "" {
		return selector.Value{}
	}
	return selector.StringValue(s)
}
