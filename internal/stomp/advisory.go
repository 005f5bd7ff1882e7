package stomp

import (
	"encoding/json"

	"amq/broker"
)

// advisoryBody renders an advisory as the JSON body STOMP subscribers of
// ActiveMQ.Advisory topics receive (with or without
// transformation:jms-advisory-json; ActiveMQ sends them nothing useful).
func (c *conn) advisoryBody(a *broker.Advisory) []byte {
	op := "add"
	if a.Remove {
		op = "remove"
	}
	v := map[string]any{"type": a.Type, "operation": op}
	if !a.Dest.IsZero() {
		v["destination"] = c.destName(a.Dest)
	}
	put := func(k, s string) {
		if s != "" {
			v[k] = s
		}
	}
	put("connectionId", a.ConnectionID)
	put("clientId", a.ClientID)
	put("remoteAddress", a.RemoteAddr)
	put("userName", a.UserName)
	put("selector", a.Selector)
	put("subscriptionName", a.DurableName)
	put("messageId", a.MessageID)
	if a.ConsumerID != 0 {
		v["consumerId"] = a.ConsumerID
	}
	if a.ProducerID != 0 {
		v["producerId"] = a.ProducerID
	}
	switch a.Type {
	case "Consumer":
		v["consumerCount"] = a.Count
	case "Producer":
		v["producerCount"] = a.Count
	}
	b, _ := json.Marshal(v)
	return b
}

// Aborted tells the client that the broker closed this subscription.
func (s *subscription) Aborted(reason string) {
	s.c.sendError(&stompError{msg: "Subscription " + s.id + " aborted: " + reason}, nil)
}
