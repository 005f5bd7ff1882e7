package web

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"amq/broker"
)

// jmxDomain is the JMX domain of ActiveMQ's MBeans.
const jmxDomain = "org.apache.activemq"

type attrDef struct{ Name, Type, Desc string }

type argDef struct{ Name, Type string }

// opDef is one MBean operation. Every operation changes the broker or
// reveals message content, so all of them need the admin role.
type opDef struct {
	Name string
	Args []argDef
	Ret  string
	Desc string
	call func(c *Console, ctx context.Context, m *mbean, args []any) (any, error)
}

func (o *opDef) signature() string {
	types := make([]string, len(o.Args))
	for i, a := range o.Args {
		types[i] = a.Type
	}
	return o.Name + "(" + strings.Join(types, ",") + ")"
}

type mbeanClass struct {
	class string // the Java class ActiveMQ registers, for Jolokia's list
	desc  string
	attrs []attrDef
	ops   []opDef
}

// mbean is one management object: the broker, a destination or a durable
// subscription, named as ActiveMQ names it.
type mbean struct {
	name   objectName
	cls    *mbeanClass
	dest   broker.Destination
	sub    broker.DurableSubscription
	values func() map[string]any
}

// mgmtError is an error in Jolokia's terms: the Java exception class a
// Java broker would have thrown and the status Jolokia would report.
type mgmtError struct {
	javaType string
	msg      string
	status   int
}

func (e *mgmtError) Error() string { return e.msg }

func errArgument(format string, a ...any) error {
	return &mgmtError{"java.lang.IllegalArgumentException", fmt.Sprintf(format, a...), 400}
}

func errInstanceNotFound(name string) error {
	return &mgmtError{"javax.management.InstanceNotFoundException", name, 404}
}

// opFailed wraps an error an operation returned, as a Java MBean's
// exception reaches a Jolokia client.
func opFailed(err error) error {
	var me *mgmtError
	if errors.As(err, &me) {
		return err
	}
	switch {
	case errors.Is(err, errNoQueue):
		return &mgmtError{"javax.management.InstanceNotFoundException", err.Error(), 404}
	case errors.Is(err, broker.ErrDurableInUse):
		return &mgmtError{"javax.jms.JMSException", err.Error(), 500}
	case strings.HasPrefix(err.Error(), "selector"):
		return &mgmtError{"javax.jms.InvalidSelectorException", err.Error(), 400}
	}
	return &mgmtError{"java.lang.Exception", err.Error(), 500}
}

func (c *Console) brokerObjectName() objectName {
	return newObjectName(jmxDomain, "type", "Broker", "brokerName", encodeNamePart(c.b.Name()))
}

func destTypeName(d broker.Destination) string {
	switch d.Kind {
	case broker.Queue:
		return "Queue"
	case broker.Topic:
		return "Topic"
	case broker.TempQueue:
		return "TempQueue"
	case broker.TempTopic:
		return "TempTopic"
	}
	return ""
}

func (c *Console) destObjectName(d broker.Destination) objectName {
	return newObjectName(jmxDomain, "type", "Broker", "brokerName", encodeNamePart(c.b.Name()),
		"destinationType", destTypeName(d), "destinationName", encodeNamePart(d.Name))
}

func (c *Console) durableObjectName(s broker.DurableSubscription) objectName {
	return newObjectName(jmxDomain, "type", "Broker", "brokerName", encodeNamePart(c.b.Name()),
		"destinationType", "Topic", "destinationName", encodeNamePart(s.Topic.Name),
		"endpoint", "Consumer", "clientId", encodeNamePart(s.ClientID),
		"consumerId", encodeNamePart("Durable("+s.ClientID+"_"+s.Name+")"))
}

func objectNameValue(on objectName) map[string]string {
	return map[string]string{"objectName": on.canonical()}
}

// mbeans enumerates every MBean; attribute values are computed on demand.
func (c *Console) mbeans() []*mbean {
	out := []*mbean{c.brokerMBean()}
	for _, v := range c.queues(true) {
		out = append(out, c.destMBean(v))
	}
	for _, v := range c.topics(true) {
		out = append(out, c.destMBean(v))
	}
	for _, s := range c.b.DurableSubscriptions() {
		out = append(out, c.durableMBean(s))
	}
	return out
}

// lookup finds the MBean with exactly this name.
func (c *Console) lookup(on objectName) *mbean {
	want := on.canonical()
	if want == c.brokerObjectName().canonical() {
		return c.brokerMBean()
	}
	for _, m := range c.mbeans() {
		if m.name.canonical() == want {
			return m
		}
	}
	return nil
}

// search lists the MBeans a pattern (or exact name) selects, by canonical name.
func (c *Console) search(pattern objectName) []*mbean {
	var out []*mbean
	for _, m := range c.mbeans() {
		if pattern.matches(m.name) {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name.canonical() < out[j].name.canonical() })
	return out
}

func (c *Console) brokerMBean() *mbean {
	return &mbean{name: c.brokerObjectName(), cls: brokerClass, values: c.brokerValues}
}

func (c *Console) brokerValues() map[string]any {
	qs, ts := c.queues(true), c.topics(true)
	var queues, topics, tempQueues, tempTopics []map[string]string
	var tot totals
	var sizes broker.QueueStats
	for _, v := range qs {
		on := objectNameValue(c.destObjectName(v.Dest))
		if v.Dest.IsTemp() {
			tempQueues = append(tempQueues, on)
			continue
		}
		queues = append(queues, on)
		addSizes(&sizes, v.Stats)
		tot.Enqueued += v.Stats.EnqueueCount
		tot.Dequeued += v.Stats.DequeueCount
		tot.Messages += v.Stats.QueueSize
		tot.Consumers += int64(v.Stats.ConsumerCount)
		tot.Producers += int64(v.Producers)
	}
	for _, v := range ts {
		on := objectNameValue(c.destObjectName(v.Dest))
		if v.Dest.IsTemp() {
			tempTopics = append(tempTopics, on)
			continue
		}
		topics = append(topics, on)
		addSizes(&sizes, v.Stats)
		tot.Enqueued += v.Stats.EnqueueCount
		tot.Dequeued += v.Stats.DequeueCount
		tot.Consumers += int64(v.Stats.ConsumerCount)
		tot.Producers += int64(v.Producers)
	}
	var durables, inactive []map[string]string
	for _, s := range c.b.DurableSubscriptions() {
		tot.Messages += s.Pending
		on := objectNameValue(c.durableObjectName(s))
		if s.Active {
			durables = append(durables, on)
		} else {
			inactive = append(inactive, on)
		}
	}
	memUsed, memLimit := c.memoryUsage()
	storeUsed, storeLimit := c.storeUsage(context.Background())
	up := time.Since(c.b.StartTime())
	connectors := map[string]string{}
	var stompURL, openwireURL string
	for name, u := range c.connectors() {
		connectors[name] = u
		switch {
		case strings.HasPrefix(u, "stomp"):
			stompURL = u
		case strings.HasPrefix(u, "tcp") || strings.HasPrefix(u, "nio") || strings.HasPrefix(u, "auto"):
			openwireURL = u
		}
	}
	dataDir, persistent := "", true
	if c.cfg != nil {
		dataDir = c.cfg.Broker.BrokerDataDirectory()
		persistent = c.cfg.Broker.Persistent
	}
	emptyIfNil := func(l []map[string]string) []map[string]string {
		if l == nil {
			return []map[string]string{}
		}
		return l
	}
	return map[string]any{
		"BrokerName":                      c.b.Name(),
		"BrokerVersion":                   broker.Version,
		"BrokerId":                        c.b.ID(),
		"Uptime":                          printDuration(up),
		"UptimeMillis":                    up.Milliseconds(),
		"TotalMessageCount":               tot.Messages,
		"TotalConnectionsCount":           c.b.TotalConnections(),
		"CurrentConnectionsCount":         len(c.b.Connections()),
		"TotalEnqueueCount":               tot.Enqueued,
		"TotalDequeueCount":               tot.Dequeued,
		"TotalConsumerCount":              tot.Consumers,
		"TotalProducerCount":              tot.Producers,
		"AverageMessageSize":              sizes.AverageMessageSize(),
		"MinMessageSize":                  sizes.MinMessageSize,
		"MaxMessageSize":                  sizes.MaxMessageSize,
		"MemoryPercentUsage":              percent(memUsed, memLimit),
		"MemoryLimit":                     memLimit,
		"StorePercentUsage":               percent(storeUsed, storeLimit),
		"StoreLimit":                      storeLimit,
		"TempPercentUsage":                0,
		"TempLimit":                       c.tempLimit(),
		"JobSchedulerStorePercentUsage":   0,
		"JobSchedulerStoreLimit":          c.schedulerLimit(),
		"Persistent":                      persistent,
		"Slave":                           false,
		"StatisticsEnabled":               true,
		"DataDirectory":                   dataDir,
		"VMURL":                           "vm://" + c.b.Name(),
		"OpenWireURL":                     openwireURL,
		"StompURL":                        stompURL,
		"StompSslURL":                     "",
		"SslURL":                          "",
		"TransportConnectors":             connectors,
		"Queues":                          emptyIfNil(queues),
		"Topics":                          emptyIfNil(topics),
		"TemporaryQueues":                 emptyIfNil(tempQueues),
		"TemporaryTopics":                 emptyIfNil(tempTopics),
		"DurableTopicSubscribers":         emptyIfNil(durables),
		"InactiveDurableTopicSubscribers": emptyIfNil(inactive),
		"QueueSubscribers":                []map[string]string{},
		"TopicSubscribers":                []map[string]string{},
		"QueueProducers":                  []map[string]string{},
		"TopicProducers":                  []map[string]string{},
	}
}

func (c *Console) destMBean(v destView) *mbean {
	cls := queueClass
	if v.Dest.IsTopic() {
		cls = topicClass
	}
	return &mbean{name: c.destObjectName(v.Dest), cls: cls, dest: v.Dest, values: func() map[string]any { return c.destValues(v) }}
}

func (c *Console) destValues(v destView) map[string]any {
	pol := c.b.Policy(v.Dest)
	st := v.Stats
	vals := map[string]any{
		"Name":                           v.Dest.Name,
		"QueueSize":                      st.QueueSize,
		"EnqueueCount":                   st.EnqueueCount,
		"DequeueCount":                   st.DequeueCount,
		"DispatchCount":                  st.DispatchCount,
		"InFlightCount":                  st.InFlightCount,
		"ExpiredCount":                   st.ExpiredCount,
		"ForwardCount":                   0,
		"ConsumerCount":                  st.ConsumerCount,
		"ProducerCount":                  v.Producers,
		"MemoryPercentUsage":             v.MemoryPercent(),
		"MemoryLimit":                    v.MemLimit,
		"MemoryUsageByteCount":           st.MemoryUsage,
		"MemoryUsagePortion":             1.0,
		"AverageEnqueueTime":             0.0,
		"MinEnqueueTime":                 0,
		"MaxEnqueueTime":                 0,
		"AverageMessageSize":             float64(st.AverageMessageSize()),
		"MinMessageSize":                 st.MinMessageSize,
		"MaxMessageSize":                 st.MaxMessageSize,
		"AverageBlockedTime":             0.0,
		"TotalBlockedTime":               0,
		"BlockedSends":                   0,
		"BlockedProducerWarningInterval": 30000,
		"ProducerFlowControl":            c.producerFlowControl(v.Dest),
		"PrioritizedMessages":            pol.Prioritized,
		"AlwaysRetroactive":              pol.AlwaysRetroactive,
		"UseCache":                       true,
		"DLQ":                            v.DLQ,
		"MaxPageSize":                    200,
		"MaxAuditDepth":                  10000,
		"MaxProducersToAudit":            64,
		"Options":                        "",
		"SlowConsumerStrategy":           nil,
		"Subscriptions":                  []map[string]string{},
		"StoreMessageSize":               0,
		"DuplicateFromStoreCount":        0,
		"SendDuplicateFromStoreToDLQ":    false,
	}
	if v.Dest.IsQueue() {
		vals["Paused"] = v.Paused
		vals["CacheEnabled"] = true
		vals["CursorMemoryUsage"] = st.MemoryUsage
		vals["CursorPercentUsage"] = v.MemoryPercent()
		vals["CursorFull"] = v.MemoryPercent() >= 100
		vals["MessageGroupType"] = "cached"
		vals["MessageGroups"] = map[string]string{}
	}
	return vals
}

// addSizes folds one destination's message sizes into the broker's, as
// ActiveMQ's broker statistics are the parent of every destination's.
func addSizes(sum *broker.QueueStats, st broker.QueueStats) {
	if st.MinMessageSize > 0 && (sum.MinMessageSize == 0 || st.MinMessageSize < sum.MinMessageSize) {
		sum.MinMessageSize = st.MinMessageSize
	}
	sum.MaxMessageSize = max(sum.MaxMessageSize, st.MaxMessageSize)
	sum.EnqueuedBytes += st.EnqueuedBytes
	sum.EnqueueCount += st.EnqueueCount
}

func (c *Console) durableMBean(s broker.DurableSubscription) *mbean {
	return &mbean{name: c.durableObjectName(s), cls: durableClass, sub: s, dest: s.Topic, values: func() map[string]any {
		return map[string]any{
			"ClientId":                        s.ClientID,
			"SubscriptionName":                s.Name,
			"DestinationName":                 s.Topic.Name,
			"DestinationTopic":                true,
			"DestinationQueue":                false,
			"Selector":                        s.Selector,
			"Active":                          s.Active,
			"Durable":                         true,
			"PendingQueueSize":                s.Pending - s.Stats.InFlightCount,
			"DispatchedQueueSize":             s.Stats.InFlightCount,
			"MessageCountAwaitingAcknowledge": s.Stats.InFlightCount,
			"EnqueueCounter":                  s.Stats.EnqueueCount,
			"DequeueCounter":                  s.Stats.DequeueCount,
			"DispatchedCounter":               s.Stats.DispatchCount,
			"ConsumedCount":                   s.Stats.DequeueCount,
		}
	}}
}

// argString reads a java.lang.String argument; nil stays empty.
func argString(args []any, i int) string {
	if i >= len(args) || args[i] == nil {
		return ""
	}
	if s, ok := args[i].(string); ok {
		return s
	}
	return fmt.Sprint(args[i])
}

func (c *Console) audit(ctx context.Context, op string, attrs ...any) {
	user := ""
	if a, ok := ctx.Value(accountKey).(*account); ok {
		user = a.name
	}
	c.log.Info("management: "+op, append([]any{"user", user}, attrs...)...)
}

func parseTarget(s string) (broker.Destination, error) {
	if strings.TrimSpace(s) == "" {
		return broker.Destination{}, errArgument("no destination given")
	}
	return broker.ParseDestination(strings.TrimSpace(s))
}

var (
	brokerClass  = &mbeanClass{class: "org.apache.activemq.broker.jmx.BrokerView", desc: "Information on the broker"}
	queueClass   = &mbeanClass{class: "org.apache.activemq.broker.jmx.QueueView", desc: "Information on a queue"}
	topicClass   = &mbeanClass{class: "org.apache.activemq.broker.jmx.TopicView", desc: "Information on a topic"}
	durableClass = &mbeanClass{class: "org.apache.activemq.broker.jmx.DurableSubscriptionView", desc: "Information on a durable topic subscription"}
)

func init() {
	brokerClass.attrs = []attrDef{
		{"BrokerName", "java.lang.String", "Name of the broker"},
		{"BrokerVersion", "java.lang.String", "The version of the broker"},
		{"BrokerId", "java.lang.String", "The unique id of the broker"},
		{"Uptime", "java.lang.String", "Uptime of the broker"},
		{"UptimeMillis", "long", "Uptime of the broker in milliseconds"},
		{"TotalMessageCount", "long", "Number of unacknowledged messages on the broker"},
		{"TotalConnectionsCount", "long", "Number of connections made since the broker started"},
		{"CurrentConnectionsCount", "int", "Number of open connections"},
		{"TotalEnqueueCount", "long", "Number of messages that have been sent to the broker"},
		{"TotalDequeueCount", "long", "Number of messages that have been acknowledged on the broker"},
		{"TotalConsumerCount", "long", "Number of message consumers subscribed to destinations on the broker"},
		{"TotalProducerCount", "long", "Number of message producers active on destinations on the broker"},
		{"AverageMessageSize", "long", "Average message size on this broker"},
		{"MinMessageSize", "long", "The smallest message size on this broker"},
		{"MaxMessageSize", "long", "The largest message size on this broker"},
		{"MemoryPercentUsage", "int", "Percent of memory limit used"},
		{"MemoryLimit", "long", "Memory limit, in bytes, used for holding undelivered messages before paging to temporary storage"},
		{"StorePercentUsage", "int", "Percent of store limit used"},
		{"StoreLimit", "long", "Disk limit, in bytes, used for persistent messages before producers are blocked"},
		{"TempPercentUsage", "int", "Percent of temp limit used"},
		{"TempLimit", "long", "Disk limit, in bytes, used for non-persistent messages and temporary data before producers are blocked"},
		{"JobSchedulerStorePercentUsage", "int", "Percent of job store limit used"},
		{"JobSchedulerStoreLimit", "long", "Disk limit, in bytes, used for scheduled messages before producers are blocked"},
		{"Persistent", "boolean", "Messages are synchronized to disk"},
		{"Slave", "boolean", "Slave broker"},
		{"StatisticsEnabled", "boolean", "Broker statistics are enabled"},
		{"DataDirectory", "java.lang.String", "Location of the data directory"},
		{"VMURL", "java.lang.String", "The url of the VM connector"},
		{"OpenWireURL", "java.lang.String", "The url of the OpenWire connector"},
		{"StompURL", "java.lang.String", "The url of the Stomp connector"},
		{"StompSslURL", "java.lang.String", "The url of the Stomp SSL connector"},
		{"SslURL", "java.lang.String", "The url of the SSL connector"},
		{"TransportConnectors", "java.util.Map", "The names and urls of the transport connectors"},
		{"Queues", "[Ljavax.management.ObjectName;", "Standard Queues containing AMQ messages"},
		{"Topics", "[Ljavax.management.ObjectName;", "Standard Topics"},
		{"TemporaryQueues", "[Ljavax.management.ObjectName;", "Temporary Queues"},
		{"TemporaryTopics", "[Ljavax.management.ObjectName;", "Temporary Topics"},
		{"DurableTopicSubscribers", "[Ljavax.management.ObjectName;", "Durable topic subscribers"},
		{"InactiveDurableTopicSubscribers", "[Ljavax.management.ObjectName;", "Inactive (disconnected) durable topic subscribers"},
		{"QueueSubscribers", "[Ljavax.management.ObjectName;", "Queue subscribers"},
		{"TopicSubscribers", "[Ljavax.management.ObjectName;", "Topic subscribers"},
		{"QueueProducers", "[Ljavax.management.ObjectName;", "Queue producers"},
		{"TopicProducers", "[Ljavax.management.ObjectName;", "Topic producers"},
	}
	brokerClass.ops = []opDef{
		{Name: "addQueue", Args: []argDef{{"name", "java.lang.String"}}, Ret: "void", Desc: "Adds a Queue",
			call: func(c *Console, ctx context.Context, m *mbean, a []any) (any, error) {
				name := argString(a, 0)
				if name == "" {
					return nil, errArgument("no queue name given")
				}
				c.b.AddQueue(name)
				c.audit(ctx, "addQueue", "queue", name)
				return nil, nil
			}},
		{Name: "removeQueue", Args: []argDef{{"name", "java.lang.String"}}, Ret: "void", Desc: "Removes a Queue",
			call: func(c *Console, ctx context.Context, m *mbean, a []any) (any, error) {
				name := argString(a, 0)
				c.b.RemoveQueue(name)
				c.setPausedState(broker.QueueDest(name), false)
				c.audit(ctx, "removeQueue", "queue", name)
				return nil, nil
			}},
		{Name: "addTopic", Args: []argDef{{"name", "java.lang.String"}}, Ret: "void", Desc: "Adds a Topic",
			call: func(c *Console, ctx context.Context, m *mbean, a []any) (any, error) {
				name := argString(a, 0)
				if name == "" {
					return nil, errArgument("no topic name given")
				}
				c.b.AddTopic(name)
				c.audit(ctx, "addTopic", "topic", name)
				return nil, nil
			}},
		{Name: "removeTopic", Args: []argDef{{"name", "java.lang.String"}}, Ret: "void", Desc: "Removes a Topic",
			call: func(c *Console, ctx context.Context, m *mbean, a []any) (any, error) {
				name := argString(a, 0)
				if err := c.removeTopic(name); err != nil {
					return nil, &mgmtError{"java.lang.UnsupportedOperationException", err.Error(), 500}
				}
				c.audit(ctx, "removeTopic", "topic", name)
				return nil, nil
			}},
		{Name: "createDurableSubscriber", Args: []argDef{{"clientId", "java.lang.String"}, {"subscriberName", "java.lang.String"}, {"topicName", "java.lang.String"}, {"selector", "java.lang.String"}},
			Ret: "javax.management.ObjectName", Desc: "Creates a new durable topic subscriber",
			call: func(c *Console, ctx context.Context, m *mbean, a []any) (any, error) {
				cid, name, topic, sel := argString(a, 0), argString(a, 1), argString(a, 2), argString(a, 3)
				if err := c.createDurable(cid, name, topic, sel); err != nil {
					return nil, opFailed(err)
				}
				c.audit(ctx, "createDurableSubscriber", "clientId", cid, "subscription", name, "topic", topic)
				return objectNameValue(c.durableObjectName(broker.DurableSubscription{ClientID: cid, Name: name, Topic: broker.TopicDest(topic)})), nil
			}},
		{Name: "destroyDurableSubscriber", Args: []argDef{{"clientId", "java.lang.String"}, {"subscriberName", "java.lang.String"}}, Ret: "void", Desc: "Destroys a durable subscriber",
			call: func(c *Console, ctx context.Context, m *mbean, a []any) (any, error) {
				cid, name := argString(a, 0), argString(a, 1)
				if err := c.b.RemoveDurable(cid, name); err != nil {
					return nil, opFailed(err)
				}
				c.audit(ctx, "destroyDurableSubscriber", "clientId", cid, "subscription", name)
				return nil, nil
			}},
	}

	common := []attrDef{
		{"Name", "java.lang.String", "Name of this destination."},
		{"QueueSize", "long", "Number of messages on this destination, including any that have been dispatched but not acknowledged"},
		{"EnqueueCount", "long", "Number of messages that have been sent to the destination."},
		{"DequeueCount", "long", "Number of messages that has been acknowledged (and removed) from the destination."},
		{"DispatchCount", "long", "Number of messages that has been delivered to consumers, including those not acknowledged"},
		{"InFlightCount", "long", "Number of messages that have been dispatched to, but not acknowledged by, consumers."},
		{"ExpiredCount", "long", "Number of messages that have been expired."},
		{"ForwardCount", "long", "Number of messages that have been forwarded (to a networked broker) from the destination."},
		{"ConsumerCount", "long", "Number of consumers subscribed to this destination."},
		{"ProducerCount", "long", "Number of producers attached to this destination"},
		{"MemoryPercentUsage", "int", "The percentage of the memory limit used"},
		{"MemoryLimit", "long", "Memory limit, in bytes, used by undelivered messages before paging to temporary storage."},
		{"MemoryUsageByteCount", "long", "Memory usage, in bytes, used by undelivered messages"},
		{"MemoryUsagePortion", "float", "Portion of memory from the broker memory limit for this destination"},
		{"AverageEnqueueTime", "double", "Average time a message was held on this destination."},
		{"MinEnqueueTime", "long", "The shortest time a message was held on this destination"},
		{"MaxEnqueueTime", "long", "The longest time a message was held on this destination"},
		{"AverageMessageSize", "double", "Average message size on this destination"},
		{"MinMessageSize", "long", "Min message size on this destination"},
		{"MaxMessageSize", "long", "Max message size on this destination"},
		{"AverageBlockedTime", "double", "Average time (ms) messages have been blocked by flow control"},
		{"TotalBlockedTime", "long", "Total time (ms) messages have been blocked by flow control"},
		{"BlockedSends", "long", "Number of messages blocked by flow control"},
		{"BlockedProducerWarningInterval", "long", "Blocked Producer Warning Interval"},
		{"ProducerFlowControl", "boolean", "Flow control is enabled for producers"},
		{"PrioritizedMessages", "boolean", "Message priority is honoured"},
		{"AlwaysRetroactive", "boolean", "Always treat consumers as retroactive"},
		{"UseCache", "boolean", "Caching is enabled"},
		{"DLQ", "boolean", "Destination is a dead letter queue"},
		{"MaxPageSize", "int", "Maximum number of messages to be paged in"},
		{"MaxAuditDepth", "int", "Max audit depth"},
		{"MaxProducersToAudit", "int", "Max number of producers to audit"},
		{"Options", "java.lang.String", "Destination options"},
		{"SlowConsumerStrategy", "javax.management.ObjectName", "Slow consumer strategy"},
		{"Subscriptions", "[Ljavax.management.ObjectName;", "Subscriptions of this destination"},
		{"StoreMessageSize", "long", "Bytes of the destination's messages in the store"},
		{"DuplicateFromStoreCount", "long", "Number of duplicates from the store"},
		{"SendDuplicateFromStoreToDLQ", "boolean", "Duplicates from the store go to the DLQ"},
	}
	queueClass.attrs = append(append([]attrDef(nil), common...),
		attrDef{"Paused", "boolean", "Dispatch to consumers is paused"},
		attrDef{"CacheEnabled", "boolean", "Caching is enabled"},
		attrDef{"CursorMemoryUsage", "long", "Message cursor memory usage, in bytes"},
		attrDef{"CursorPercentUsage", "int", "Percentage of the memory limit the cursor uses"},
		attrDef{"CursorFull", "boolean", "The cursor has reached its memory limit"},
		attrDef{"MessageGroupType", "java.lang.String", "Message group type"},
		attrDef{"MessageGroups", "java.util.Map", "Message groups and their consumers"},
	)
	topicClass.attrs = append([]attrDef(nil), common...)

	sendText := opDef{Name: "sendTextMessage", Args: []argDef{{"body", "java.lang.String"}}, Ret: "java.lang.String", Desc: "Sends a TextMessage to the destination",
		call: func(c *Console, ctx context.Context, m *mbean, a []any) (any, error) {
			msg := &broker.Message{Dest: m.dest, Body: []byte(argString(a, 0)), BodyKind: broker.BodyText, Priority: 4, Persistent: true}
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := c.send(ctx, msg); err != nil {
				return nil, opFailed(err)
			}
			return msg.ID, nil
		}}
	queueOp := func(name string, args []argDef, ret, desc string, f func(c *Console, ctx context.Context, q string, a []any) (any, error)) opDef {
		return opDef{Name: name, Args: args, Ret: ret, Desc: desc, call: func(c *Console, ctx context.Context, m *mbean, a []any) (any, error) {
			v, err := f(c, ctx, m.dest.Name, a)
			if err != nil {
				return nil, opFailed(err)
			}
			return v, nil
		}}
	}
	str := func(n string) argDef { return argDef{n, "java.lang.String"} }
	queueClass.ops = []opDef{
		queueOp("purge", nil, "void", "Removes all of the messages in the queue.", func(c *Console, ctx context.Context, q string, a []any) (any, error) {
			n := c.b.Purge(broker.QueueDest(q))
			c.audit(ctx, "purge", "queue", q, "removed", n)
			return nil, nil
		}),
		queueOp("removeMessage", []argDef{str("messageId")}, "boolean", "Removes a message from the queue.", func(c *Console, ctx context.Context, q string, a []any) (any, error) {
			err := c.b.RemoveMessage(broker.QueueDest(q), argString(a, 0))
			if errors.Is(err, broker.ErrNoSuchMessage) {
				return false, nil
			}
			if err == nil {
				c.audit(ctx, "removeMessage", "queue", q, "message", argString(a, 0))
			}
			return err == nil, err
		}),
		queueOp("removeMatchingMessages", []argDef{str("selector")}, "int", "Removes the messages matching the given selector from the queue.", func(c *Console, ctx context.Context, q string, a []any) (any, error) {
			n, err := c.removeMatching(q, argString(a, 0))
			c.audit(ctx, "removeMatchingMessages", "queue", q, "selector", argString(a, 0), "removed", n)
			return n, err
		}),
		queueOp("moveMessageTo", []argDef{str("messageId"), str("destinationName")}, "boolean", "Moves the message to the given destination.", func(c *Console, ctx context.Context, q string, a []any) (any, error) {
			to, err := parseTarget(argString(a, 1))
			if err != nil {
				return nil, err
			}
			err = c.b.MoveMessage(broker.QueueDest(q), argString(a, 0), to)
			if errors.Is(err, broker.ErrNoSuchMessage) {
				return false, nil
			}
			if err == nil {
				c.audit(ctx, "moveMessageTo", "queue", q, "message", argString(a, 0), "to", to.String())
			}
			return err == nil, err
		}),
		queueOp("moveMatchingMessagesTo", []argDef{str("selector"), str("destinationName")}, "int", "Moves the messages matching the selector to the given destination.", func(c *Console, ctx context.Context, q string, a []any) (any, error) {
			to, err := parseTarget(argString(a, 1))
			if err != nil {
				return nil, err
			}
			n, err := c.eachMatching(q, argString(a, 0), func(d broker.Destination, id string) error { return c.b.MoveMessage(d, id, to) })
			c.audit(ctx, "moveMatchingMessagesTo", "queue", q, "to", to.String(), "moved", n)
			return n, err
		}),
		queueOp("copyMessageTo", []argDef{str("messageId"), str("destinationName")}, "boolean", "Copies the message to the given destination.", func(c *Console, ctx context.Context, q string, a []any) (any, error) {
			to, err := parseTarget(argString(a, 1))
			if err != nil {
				return nil, err
			}
			err = c.b.CopyMessage(broker.QueueDest(q), argString(a, 0), to)
			if errors.Is(err, broker.ErrNoSuchMessage) {
				return false, nil
			}
			if err == nil {
				c.audit(ctx, "copyMessageTo", "queue", q, "message", argString(a, 0), "to", to.String())
			}
			return err == nil, err
		}),
		queueOp("copyMatchingMessagesTo", []argDef{str("selector"), str("destinationName")}, "int", "Copies the messages matching the selector to the given destination.", func(c *Console, ctx context.Context, q string, a []any) (any, error) {
			to, err := parseTarget(argString(a, 1))
			if err != nil {
				return nil, err
			}
			n, err := c.eachMatching(q, argString(a, 0), func(d broker.Destination, id string) error { return c.b.CopyMessage(d, id, to) })
			c.audit(ctx, "copyMatchingMessagesTo", "queue", q, "to", to.String(), "copied", n)
			return n, err
		}),
		queueOp("retryMessages", nil, "int", "Retries all messages of this dead letter queue back to their original destinations.", func(c *Console, ctx context.Context, q string, a []any) (any, error) {
			n, err := c.b.RetryMessages(broker.QueueDest(q))
			c.audit(ctx, "retryMessages", "queue", q, "retried", n)
			return n, err
		}),
		queueOp("retryMessage", []argDef{str("messageId")}, "boolean", "Retries a message of this dead letter queue back to its original destination.", func(c *Console, ctx context.Context, q string, a []any) (any, error) {
			err := c.b.RetryMessage(broker.QueueDest(q), argString(a, 0))
			if errors.Is(err, broker.ErrNoSuchMessage) {
				return false, nil
			}
			if err == nil {
				c.audit(ctx, "retryMessage", "queue", q, "message", argString(a, 0))
			}
			return err == nil, err
		}),
		queueOp("pause", nil, "void", "Pauses dispatching to consumers.", func(c *Console, ctx context.Context, q string, a []any) (any, error) {
			c.setPaused(broker.QueueDest(q), true)
			c.audit(ctx, "pause", "queue", q)
			return nil, nil
		}),
		queueOp("resume", nil, "void", "Resumes dispatching to consumers.", func(c *Console, ctx context.Context, q string, a []any) (any, error) {
			c.setPaused(broker.QueueDest(q), false)
			c.audit(ctx, "resume", "queue", q)
			return nil, nil
		}),
		queueOp("browse", nil, "[Ljavax.management.openmbean.CompositeData;", "Browses the current destination returning a list of messages", func(c *Console, ctx context.Context, q string, a []any) (any, error) {
			return c.browseComposite(q, "")
		}),
		queueOp("browse", []argDef{str("selector")}, "[Ljavax.management.openmbean.CompositeData;", "Browses the current destination with the given selector returning a list of messages", func(c *Console, ctx context.Context, q string, a []any) (any, error) {
			return c.browseComposite(q, argString(a, 0))
		}),
		sendText,
	}
	topicClass.ops = []opDef{
		{Name: "createDurableSubscriber", Args: []argDef{str("clientId"), str("subscriberName"), str("selector")}, Ret: "javax.management.ObjectName", Desc: "Creates a durable subscription on this topic",
			call: func(c *Console, ctx context.Context, m *mbean, a []any) (any, error) {
				cid, name, sel := argString(a, 0), argString(a, 1), argString(a, 2)
				if err := c.createDurable(cid, name, m.dest.Name, sel); err != nil {
					return nil, opFailed(err)
				}
				c.audit(ctx, "createDurableSubscriber", "clientId", cid, "subscription", name, "topic", m.dest.Name)
				return objectNameValue(c.durableObjectName(broker.DurableSubscription{ClientID: cid, Name: name, Topic: m.dest})), nil
			}},
		{Name: "destroyDurableSubscriber", Args: []argDef{str("clientId"), str("subscriberName")}, Ret: "void", Desc: "Destroys a durable subscription",
			call: func(c *Console, ctx context.Context, m *mbean, a []any) (any, error) {
				if err := c.b.RemoveDurable(argString(a, 0), argString(a, 1)); err != nil {
					return nil, opFailed(err)
				}
				c.audit(ctx, "destroyDurableSubscriber", "clientId", argString(a, 0), "subscription", argString(a, 1))
				return nil, nil
			}},
		sendText,
	}

	durableClass.attrs = []attrDef{
		{"ClientId", "java.lang.String", "JMS Client id of the Connection the Subscription is on"},
		{"SubscriptionName", "java.lang.String", "The name of the subscription"},
		{"DestinationName", "java.lang.String", "The name of the destination the subscription is on"},
		{"DestinationTopic", "boolean", "The subscription is on a topic"},
		{"DestinationQueue", "boolean", "The subscription is on a queue"},
		{"Selector", "java.lang.String", "The subscription's message selector"},
		{"Active", "boolean", "The subscription has a connected consumer"},
		{"Durable", "boolean", "The subscription is persistent"},
		{"PendingQueueSize", "int", "Number of messages pending delivery"},
		{"DispatchedQueueSize", "int", "Number of messages dispatched awaiting acknowledgement"},
		{"MessageCountAwaitingAcknowledge", "long", "Number of messages dispatched awaiting acknowledgement"},
		{"EnqueueCounter", "long", "Number of messages that matched the subscription"},
		{"DequeueCounter", "long", "Number of messages dispatched and acknowledged"},
		{"DispatchedCounter", "long", "Number of messages dispatched"},
		{"ConsumedCount", "long", "Number of messages consumed"},
	}
	durableClass.ops = []opDef{
		{Name: "destroy", Ret: "void", Desc: "Destroys the durable subscription so that messages will no longer be stored for it.",
			call: func(c *Console, ctx context.Context, m *mbean, a []any) (any, error) {
				if err := c.b.RemoveDurable(m.sub.ClientID, m.sub.Name); err != nil {
					return nil, opFailed(err)
				}
				c.audit(ctx, "destroy durable subscription", "clientId", m.sub.ClientID, "subscription", m.sub.Name)
				return nil, nil
			}},
	}
}

// setPausedState forgets or records a pause without touching the broker.
func (c *Console) setPausedState(d broker.Destination, p bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p {
		c.paused[d.String()] = true
	} else {
		delete(c.paused, d.String())
	}
}

// browseComposite answers browse() with ActiveMQ's CompositeData fields.
func (c *Console) browseComposite(q, selector string) (any, error) {
	d := broker.QueueDest(q)
	if _, ok := c.b.QueueStats(d); !ok {
		return nil, fmt.Errorf("%w: %s", errNoQueue, q)
	}
	f, err := c.b.CompileSelector(selector)
	if err != nil {
		return nil, fmt.Errorf("selector %q: %w", selector, err)
	}
	var out []map[string]any
	for _, m := range c.b.Browse(d, f, maxBrowse) {
		v := viewMessage(m)
		row := map[string]any{
			"JMSMessageID":        v.JMSMessageID,
			"JMSDestination":      v.JMSDestination,
			"JMSCorrelationID":    v.JMSCorrelationID,
			"JMSDeliveryMode":     v.JMSDeliveryMode,
			"JMSExpiration":       v.JMSExpiration,
			"JMSPriority":         v.JMSPriority,
			"JMSRedelivered":      v.JMSRedelivered,
			"JMSReplyTo":          nilIfEmpty(v.JMSReplyTo),
			"JMSTimestamp":        msTime(v.JMSTimestamp),
			"JMSType":             v.JMSType,
			"JMSXGroupID":         nilIfEmpty(v.JMSXGroupID),
			"JMSXGroupSeq":        v.JMSXGroupSeq,
			"JMSXUserID":          nilIfEmpty(v.JMSXUserID),
			"BrokerPath":          nil,
			"PropertiesText":      propsText(v),
			"StringProperties":    v.Properties,
			"OriginalDestination": nilIfEmpty(v.OriginalDestination),
		}
		if v.Text != nil {
			row["Text"] = *v.Text
		} else if v.BodyBase64 != "" {
			row["BodyPreview"] = v.BodyBase64
		}
		out = append(out, row)
	}
	if out == nil {
		out = []map[string]any{}
	}
	return out, nil
}

// maxBrowse bounds browsing, as ActiveMQ's maxBrowsePageSize does.
const maxBrowse = 400

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func propsText(v MessageView) string {
	var parts []string
	for _, kv := range v.SortedProps() {
		parts = append(parts, kv[0]+"="+kv[1])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
