package openwire

import (
	"strings"

	"amq/broker"
	"amq/internal/openwire/wire"
)

// advisoryData is the DataStructure an advisory message carries, as the
// JMS client's AdvisoryConsumer, DestinationSource and ConsumerEventSource
// read it: a DestinationInfo for destination events, ConsumerInfo,
// ProducerInfo or ConnectionInfo when something starts and a RemoveInfo
// when it goes away. The broker's advisories name its own connection ids,
// not the client's, so the ids of consumers and producers are best effort.
func advisoryData(a *broker.Advisory, dc *destCache) wire.DataStructure {
	var connID *wire.ConnectionId
	if a.ConnectionID != "" {
		connID = &wire.ConnectionId{Value: a.ConnectionID}
	}
	var dest *wire.Destination
	if !a.Dest.IsZero() {
		dest = dc.get(a.Dest)
	}
	switch a.Type {
	case "Queue", "Topic", "TempQueue", "TempTopic":
		if dest == nil {
			return nil
		}
		if connID == nil && a.Dest.IsTemp() {
			// Temporary destinations are named <connection id>:<n>.
			if i := strings.LastIndexByte(a.Dest.Name, ':'); i > 0 {
				connID = &wire.ConnectionId{Value: a.Dest.Name[:i]}
			}
		}
		op := wire.DestinationAdd
		if a.Remove {
			op = wire.DestinationRemove
		}
		return &wire.DestinationInfo{ConnectionID: connID, Destination: dest, OperationType: op}
	case "Consumer":
		id := &wire.ConsumerId{ConnectionID: a.ConnectionID, Value: int64(a.ConsumerID)}
		if a.Remove {
			return &wire.RemoveInfo{ObjectID: id}
		}
		ci := &wire.ConsumerInfo{ConsumerID: id, Destination: dest}
		if a.Selector != "" {
			ci.Selector = wire.Str(a.Selector)
		}
		if a.DurableName != "" {
			ci.SubscriptionName = wire.Str(a.DurableName)
		}
		if a.ClientID != "" {
			ci.ClientID = wire.Str(a.ClientID)
		}
		return ci
	case "Producer":
		id := &wire.ProducerId{ConnectionID: a.ConnectionID, Value: int64(a.ProducerID)}
		if a.Remove {
			return &wire.RemoveInfo{ObjectID: id}
		}
		return &wire.ProducerInfo{ProducerID: id, Destination: dest}
	case "Connection":
		if connID == nil {
			return nil
		}
		if a.Remove {
			return &wire.RemoveInfo{ObjectID: connID}
		}
		ci := &wire.ConnectionInfo{ConnectionID: connID}
		if a.ClientID != "" {
			ci.ClientID = wire.Str(a.ClientID)
		}
		if a.UserName != "" {
			ci.UserName = wire.Str(a.UserName)
		}
		if a.RemoteAddr != "" {
			ci.ClientIP = wire.Str(a.RemoteAddr)
		}
		return ci
	}
	return nil
}
