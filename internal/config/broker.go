package config

import (
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strings"
)

var illegalBrokerName = regexp.MustCompile(`[^a-zA-Z0-9._\-:]`)

func defaultBroker() Broker {
	return Broker{
		Name:                                 "localhost",
		Persistent:                           true,
		UseJMX:                               true,
		AdvisorySupport:                      true,
		OfflineDurableSubscriberTimeout:      -1,
		OfflineDurableSubscriberTaskSchedule: 300000,
		TimeBeforePurgeTempDestinations:      5000,
		Start:                                true,
		UseShutdownHook:                      true,
		UseVirtualTopics:                     true,
		KeepDurableSubsActive:                true,
		EnableStatistics:                     true,
		UseTempMirroredQueues:                true,
		ProducerSystemUsagePortion:           60,
		ConsumerSystemUsagePortion:           40,
		MaxSchedulerRepeatAllowed:            1000,
		SystemUsage: SystemUsage{
			Memory:       Usage{Limit: 1 << 30},
			Store:        Usage{Limit: 100 << 30},
			Temp:         Usage{Limit: 50 << 30},
			JobScheduler: Usage{Limit: 50 << 30},
		},
	}
}

func (d *decoder) decodeBroker(n *xnode) {
	b := &d.cfg.Broker
	*b = defaultBroker()
	b.Pos = d.pos(n)
	if n.space == nsCoreOld {
		d.warn(n, "namespace %s is ActiveMQ 4.x's; read as %s", nsCoreOld, nsCore)
	}
	a := d.attrsOf(n)
	if a.str("brokerName", &b.Name) {
		name := strings.TrimSpace(b.Name)
		if clean := illegalBrokerName.ReplaceAllString(name, "_"); clean != name {
			x := a.src["brokerName"]
			d.warnAt(x.line, x.col, "brokerName %q has characters outside [a-zA-Z0-9._-:]; ActiveMQ replaces them: %q", name, clean)
			name = clean
		}
		b.Name = name
	}
	a.abool("persistent", &b.Persistent)
	a.abool("useJmx", &b.UseJMX)
	a.abool("schedulerSupport", &b.SchedulerSupport)
	a.abool("advisorySupport", &b.AdvisorySupport)
	a.abool("deleteAllMessagesOnStartup", &b.DeleteAllMessagesOnStartup)
	if !a.path("dataDirectory", &b.DataDirectory) {
		b.DataDirectory = d.cfg.Paths.Data
	}
	a.path("tmpDataDirectory", &b.TmpDataDirectory)
	a.path("schedulerDirectory", &b.SchedulerDirectory)
	a.sbool("populateJMSXUserID", &b.PopulateJMSXUserID)
	a.sbool("useAuthenticatedPrincipalForJMSXUserID", &b.UseAuthenticatedPrincipalForJMSXUserID)
	var i int
	if a.int("schedulePeriodForDestinationPurge", &i) {
		b.SchedulePeriodForDestinationPurge = int64(i)
	}
	a.int("maxPurgedDestinationsPerSweep", &b.MaxPurgedDestinationsPerSweep)
	if a.int("timeBeforePurgeTempDestinations", &i) {
		b.TimeBeforePurgeTempDestinations = int64(i)
	}
	a.long("offlineDurableSubscriberTimeout", &b.OfflineDurableSubscriberTimeout)
	a.long("offlineDurableSubscriberTaskSchedule", &b.OfflineDurableSubscriberTaskSchedule)
	a.sbool("start", &b.Start)
	a.sbool("useShutdownHook", &b.UseShutdownHook)
	a.sbool("useVirtualTopics", &b.UseVirtualTopics)
	a.sbool("keepDurableSubsActive", &b.KeepDurableSubsActive)
	a.sbool("enableStatistics", &b.EnableStatistics)
	a.sbool("allowTempAutoCreationOnSend", &b.AllowTempAutoCreationOnSend)
	a.sbool("rejectDurableConsumers", &b.RejectDurableConsumers)
	a.sbool("useMirroredQueues", &b.UseMirroredQueues)
	a.sbool("useTempMirroredQueues", &b.UseTempMirroredQueues)
	a.sbool("splitSystemUsageForProducersConsumers", &b.SplitSystemUsageForProducersConsumers)
	a.int("producerSystemUsagePortion", &b.ProducerSystemUsagePortion)
	a.int("consumerSystemUsagePortion", &b.ConsumerSystemUsagePortion)
	a.int("maxSchedulerRepeatAllowed", &b.MaxSchedulerRepeatAllowed)
	b.Attrs = a.finish()
	if b.TmpDataDirectory == "" {
		b.TmpDataDirectory = filepath.Join(b.BrokerDataDirectory(), "tmp_storage")
	}
	if b.SchedulerDirectory == "" {
		b.SchedulerDirectory = filepath.Join(b.BrokerDataDirectory(), "scheduler")
	}

	for _, k := range n.kids {
		if d.err != nil {
			return
		}
		if !isCore(k) {
			if k.space == nsBeans && k.local == "property" {
				d.warn(k, "Spring <property> inside <broker> is not supported; ignored")
				continue
			}
			d.unexpected(n, k)
			continue
		}
		switch k.local {
		case "destinationPolicy":
			d.noAttrs(k)
			for _, m := range k.kids {
				if m.local == "policyMap" && isCore(m) {
					if b.DestinationPolicy != nil {
						d.warn(m, "a second <policyMap>; it replaces the first")
					}
					b.DestinationPolicy = d.policyMap(m)
				} else {
					d.unexpected(k, m)
				}
			}
		case "persistenceAdapter":
			d.noAttrs(k)
			if c := d.single(k); c != nil {
				if b.PersistenceAdapter != nil {
					d.warn(c, "a second persistence adapter; it replaces the first")
				}
				b.PersistenceAdapter = d.persistenceAdapter(k, c)
			}
		case "persistenceFactory":
			b.PersistenceFactory = d.capture(k)
			d.warn(k, "<persistenceFactory> (journaled JDBC) is not supported by this broker; recorded, ignored")
		case "systemUsage":
			d.noAttrs(k)
			for _, m := range k.kids {
				if m.local == "systemUsage" && isCore(m) {
					d.systemUsage(m, &b.SystemUsage)
				} else {
					d.unexpected(k, m)
				}
			}
		case "transportConnectors":
			d.noAttrs(k)
			for _, m := range k.kids {
				if m.local == "transportConnector" && isCore(m) {
					if tc := d.transportConnector(m); tc != nil {
						b.TransportConnectors = append(b.TransportConnectors, tc)
					}
				} else {
					d.unexpected(k, m)
				}
			}
		case "networkConnectors":
			d.noAttrs(k)
			for _, m := range k.kids {
				switch {
				case isCore(m) && (m.local == "networkConnector" || m.local == "multicastNetworkConnector" || m.local == "ldapNetworkConnector"):
					if nc := d.networkConnector(m); nc != nil {
						b.NetworkConnectors = append(b.NetworkConnectors, nc)
					}
				default:
					d.unexpected(k, m)
				}
			}
		case "plugins":
			d.plugins(k, &b.Plugins)
		case "sslContext":
			d.noAttrs(k)
			for _, m := range k.kids {
				if m.local == "sslContext" && isCore(m) {
					b.SSLContext = d.sslContext(m)
				} else {
					d.unexpected(k, m)
				}
			}
		case "destinationInterceptors":
			d.noAttrs(k)
			d.destinationInterceptors(k, b)
		case "destinations":
			d.noAttrs(k)
			for _, m := range k.kids {
				if dest, ok := d.destination(k, m); ok {
					b.Destinations = append(b.Destinations, dest)
				}
			}
		case "managementContext":
			b.ManagementContext = d.capture(k)
		case "shutdownHooks":
			for _, m := range k.kids {
				b.ShutdownHooks = append(b.ShutdownHooks, d.capture(m))
			}
		case "ioExceptionHandler", "jmsBridgeConnectors", "proxyConnectors", "services", "networkConnectorURIs",
			"transportConnectorURIs", "taskRunnerFactory", "persistenceTaskRunnerFactory", "producerSystemUsage",
			"consumerSystemUsage", "tempDataStore", "jobSchedulerStore", "regionBroker", "messageAuthorizationPolicy",
			"destinationFactory", "brokerContext", "adminView", "brokerObjectName", "dataDirectoryFile",
			"schedulerDirectoryFile", "tmpDataDirectory", "startException", "vmConnectorURI":
			b.Other = append(b.Other, d.capture(k))
			d.warn(k, "<%s> is not supported by this broker; recorded, ignored", k.local)
		default:
			d.unexpected(n, k)
		}
	}
}

// destination reads a <queue>, <topic>, <tempQueue> or <tempTopic>.
func (d *decoder) destination(parent, n *xnode) (Destination, bool) {
	var kind DestinationKind
	switch {
	case !isCore(n):
		d.unexpected(parent, n)
		return Destination{}, false
	case n.local == "queue":
		kind = Queue
	case n.local == "topic":
		kind = Topic
	case n.local == "tempQueue":
		kind = TempQueue
	case n.local == "tempTopic":
		kind = TempTopic
	default:
		d.unexpected(parent, n)
		return Destination{}, false
	}
	a := d.attrsOf(n)
	dest := Destination{Pos: d.pos(n), Kind: kind}
	if !a.str("physicalName", &dest.Name) {
		a.str("name", &dest.Name)
	}
	a.finish()
	if dest.Name == "" {
		if t := d.text(n); t != "" {
			dest.Name = t
		}
	}
	if dest.Name == "" {
		d.warn(n, "<%s> without physicalName; ignored", n.local)
		return Destination{}, false
	}
	return dest, true
}

func (d *decoder) destinationList(n *xnode) []Destination {
	d.noAttrs(n)
	var out []Destination
	for _, k := range n.kids {
		if dest, ok := d.destination(n, k); ok {
			out = append(out, dest)
		}
	}
	return out
}

// ---- destination policy ----

func (d *decoder) policyMap(n *xnode) *PolicyMap {
	pm := &PolicyMap{Pos: d.pos(n)}
	d.noAttrs(n)
	seen := map[string]*PolicyEntry{}
	for _, k := range n.kids {
		if !isCore(k) {
			d.unexpected(n, k)
			continue
		}
		switch k.local {
		case "policyEntries", "entries":
			d.noAttrs(k)
			for _, e := range k.kids {
				if !(e.local == "policyEntry" && isCore(e)) {
					d.unexpected(k, e)
					continue
				}
				pe := d.policyEntry(e)
				if pe == nil {
					continue
				}
				if pe.Kind == "" {
					d.warn(e, "<policyEntry> without queue, topic, tempQueue or tempTopic never matches; ignored")
					continue
				}
				key := string(pe.Kind) + ":" + pe.Destination
				if prev, dup := seen[key]; dup {
					d.warn(e, "a second policyEntry for %s %q (the first is at line %d); ActiveMQ would pick one of them arbitrarily, this broker uses the first", pe.Kind, pe.Destination, prev.Line)
					continue
				}
				seen[key] = pe
				pm.Entries = append(pm.Entries, pe)
			}
		case "defaultEntry":
			d.noAttrs(k)
			if e := d.single(k); e != nil {
				if e.local == "policyEntry" && isCore(e) {
					pm.Default = d.policyEntry(e)
				} else {
					d.unexpected(k, e)
				}
			}
		default:
			d.unexpected(n, k)
		}
	}
	return pm
}

// NewPolicyEntry returns a policy entry holding ActiveMQ's defaults.
func NewPolicyEntry() *PolicyEntry {
	return &PolicyEntry{
		ProducerFlowControl:            true,
		QueuePrefetch:                  1000,
		TopicPrefetch:                  32767,
		DurableTopicPrefetch:           100,
		QueueBrowserPrefetch:           500,
		ExpireMessagesPeriod:           30000,
		UseCache:                       true,
		InactiveTimeoutBeforeGC:        60000,
		MaxPageSize:                    200,
		MaxBrowsePageSize:              400,
		MaxExpirePageSize:              400,
		UseConsumerPriority:            true,
		EnableAudit:                    true,
		MaxAuditDepth:                  10000,
		MaxQueueAuditDepth:             10000,
		MaxProducersToAudit:            64,
		BlockedProducerWarningInterval: 30000,
		CursorMemoryHighWaterMark:      70,
		StoreUsageHighWaterMark:        100,
		UsePrefetchExtension:           true,
		MinimumMessageSize:             1024,
		MaxDestinations:                -1,
		SendFailIfNoSpaceAfterTimeout:  -1,
		MessageGroupMapFactoryType:     "cached",
	}
}

// destinationAttrs reads queue=, topic=, tempQueue=, tempTopic= (the
// DestinationMapEntry properties). The one written last wins, as each sets
// the same destination property.
func (d *decoder) destinationAttrs(n *xnode, a *attrs) (DestinationKind, string) {
	var kind DestinationKind
	var dest string
	count := 0
	for _, x := range n.attrs {
		if x.space != "" && x.space != n.space {
			continue
		}
		switch x.local {
		case "queue", "topic":
			v, _ := a.get(x.local)
			kind, dest = DestinationKind(x.local), strings.TrimSpace(v)
			count++
		case "tempQueue", "tempTopic":
			var on bool
			a.sbool(x.local, &on)
			// ActiveMQ ignores the value: tempQueue="false" still makes
			// the entry a temporary-queue entry.
			kind, dest = DestinationKind(x.local), ">"
			count++
		}
	}
	if count > 1 {
		d.warn(n, "<%s> names more than one of queue, topic, tempQueue, tempTopic; the last one (%s) is used", n.local, kind)
	}
	return kind, dest
}

func (d *decoder) policyEntry(n *xnode) *PolicyEntry {
	pe := NewPolicyEntry()
	pe.Pos = d.pos(n)
	a := d.attrsOf(n)
	pe.Kind, pe.Destination = d.destinationAttrs(n, a)
	a.sbool("producerFlowControl", &pe.ProducerFlowControl)
	a.size("memoryLimit", &pe.MemoryLimit)
	a.int("queuePrefetch", &pe.QueuePrefetch)
	a.int("topicPrefetch", &pe.TopicPrefetch)
	a.int("durableTopicPrefetch", &pe.DurableTopicPrefetch)
	a.int("queueBrowserPrefetch", &pe.QueueBrowserPrefetch)
	a.sbool("optimizedDispatch", &pe.OptimizedDispatch)
	a.long("expireMessagesPeriod", &pe.ExpireMessagesPeriod)
	a.sbool("prioritizedMessages", &pe.PrioritizedMessages)
	a.sboolNotActedOn("strictOrderDispatch", &pe.StrictOrderDispatch, false)
	a.sbool("useCache", &pe.UseCache)
	a.sbool("gcInactiveDestinations", &pe.GCInactiveDestinations)
	// ActiveMQ has both spellings; the misspelt one is the older.
	a.long("inactiveTimoutBeforeGC", &pe.InactiveTimeoutBeforeGC)
	a.long("inactiveTimeoutBeforeGC", &pe.InactiveTimeoutBeforeGC)
	a.sbool("gcWithNetworkConsumers", &pe.GCWithNetworkConsumers)
	a.sbool("advisoryForConsumed", &pe.AdvisoryForConsumed)
	a.sbool("advisoryForDelivery", &pe.AdvisoryForDelivery)
	a.sbool("advisoryForSlowConsumers", &pe.AdvisoryForSlowConsumers)
	a.sbool("advisoryForFastProducers", &pe.AdvisoryForFastProducers)
	a.sbool("advisoryForDiscardingMessages", &pe.AdvisoryForDiscardingMessages)
	a.sbool("advisoryWhenFull", &pe.AdvisoryWhenFull)
	a.sbool("includeBodyForAdvisory", &pe.IncludeBodyForAdvisory)
	a.sbool("sendAdvisoryIfNoConsumers", &pe.SendAdvisoryIfNoConsumers)
	a.int("maxPageSize", &pe.MaxPageSize)
	a.int("maxBrowsePageSize", &pe.MaxBrowsePageSize)
	a.int("maxExpirePageSize", &pe.MaxExpirePageSize)
	a.sbool("useConsumerPriority", &pe.UseConsumerPriority)
	a.sbool("enableAudit", &pe.EnableAudit)
	a.int("maxAuditDepth", &pe.MaxAuditDepth)
	a.int("maxQueueAuditDepth", &pe.MaxQueueAuditDepth)
	a.int("maxProducersToAudit", &pe.MaxProducersToAudit)
	a.sbool("lazyDispatch", &pe.LazyDispatch)
	a.sbool("allConsumersExclusiveByDefault", &pe.AllConsumersExclusiveByDefault)
	a.sbool("alwaysRetroactive", &pe.AlwaysRetroactive)
	a.long("blockedProducerWarningInterval", &pe.BlockedProducerWarningInterval)
	a.int("cursorMemoryHighWaterMark", &pe.CursorMemoryHighWaterMark)
	a.int("storeUsageHighWaterMark", &pe.StoreUsageHighWaterMark)
	a.int("timeBeforeDispatchStarts", &pe.TimeBeforeDispatchStarts)
	a.int("consumersBeforeDispatchStarts", &pe.ConsumersBeforeDispatchStarts)
	a.sbool("usePrefetchExtension", &pe.UsePrefetchExtension)
	a.sbool("reduceMemoryFootprint", &pe.ReduceMemoryFootprint)
	a.sboolNotActedOn("persistJMSRedelivered", &pe.PersistJMSRedelivered, false)
	a.sbool("sendDuplicateFromStoreToDLQ", &pe.SendDuplicateFromStoreToDLQ)
	a.long("minimumMessageSize", &pe.MinimumMessageSize)
	// Any value >= 0 would limit how many destinations the entry may
	// cover; the broker has no such limit.
	if a.int("maxDestinations", &pe.MaxDestinations) && pe.MaxDestinations >= 0 {
		a.notActedOn("maxDestinations")
	}
	var sf bool
	if a.sbool("sendFailIfNoSpace", &sf) {
		pe.SendFailIfNoSpace = &sf
	}
	a.long("sendFailIfNoSpaceAfterTimeout", &pe.SendFailIfNoSpaceAfterTimeout)
	a.str("messageGroupMapFactoryType", &pe.MessageGroupMapFactoryType)
	pe.Attrs = a.finish()

	notApplicable := func(k *xnode) *Element {
		d.warn(k, "<%s> is accepted but has no effect in this broker", k.local)
		return d.capture(k)
	}
	for _, k := range n.kids {
		if !isCore(k) {
			d.unexpected(n, k)
			continue
		}
		switch k.local {
		case "deadLetterStrategy":
			d.noAttrs(k)
			if c := d.single(k); c != nil {
				pe.DeadLetterStrategy = d.deadLetterStrategy(k, c)
			}
		case "pendingMessageLimitStrategy":
			d.noAttrs(k)
			if c := d.single(k); c != nil {
				pe.PendingMessageLimitStrategy = d.pendingMessageLimitStrategy(k, c)
			}
		case "slowConsumerStrategy":
			d.noAttrs(k)
			if c := d.single(k); c != nil {
				pe.SlowConsumerStrategy = d.slowConsumerStrategy(k, c)
			}
		case "subscriptionRecoveryPolicy":
			d.noAttrs(k)
			if c := d.single(k); c != nil {
				pe.SubscriptionRecoveryPolicy = d.subscriptionRecoveryPolicy(k, c)
			}
		case "destination":
			d.noAttrs(k)
			if c := d.single(k); c != nil {
				if dest, ok := d.destination(k, c); ok {
					pe.Kind, pe.Destination = dest.Kind, dest.Name
				}
			}
		case "dispatchPolicy":
			pe.DispatchPolicy = notApplicable(k)
		case "pendingQueuePolicy":
			pe.PendingQueuePolicy = notApplicable(k)
		case "pendingSubscriberPolicy":
			pe.PendingSubscriberPolicy = notApplicable(k)
		case "pendingDurableSubscriberPolicy":
			pe.PendingDurableSubscriberPolicy = notApplicable(k)
		case "messageEvictionStrategy":
			pe.MessageEvictionStrategy = notApplicable(k)
		case "messageGroupMapFactory":
			pe.MessageGroupMapFactory = notApplicable(k)
		case "networkBridgeFilterFactory":
			pe.NetworkBridgeFilterFactory = notApplicable(k)
		default:
			d.unexpected(n, k)
		}
	}
	return pe
}

func (d *decoder) deadLetterStrategy(parent, n *xnode) *DeadLetterStrategy {
	if !isCore(n) {
		d.unexpected(parent, n)
		return nil
	}
	s := &DeadLetterStrategy{Pos: d.pos(n), Kind: n.local, ProcessExpired: true, EnableAudit: true}
	a := d.attrsOf(n)
	switch n.local {
	case "sharedDeadLetterStrategy", "discarding":
		s.DeadLetterQueue, s.DeadLetterQueueKind = "ActiveMQ.DLQ", Queue
		a.str("deadLetterQueue", &s.DeadLetterQueue)
	case "individualDeadLetterStrategy":
		s.QueuePrefix, s.TopicPrefix = "ActiveMQ.DLQ.Queue.", "ActiveMQ.DLQ.Topic."
		s.UseQueueForQueueMessages, s.UseQueueForTopicMessages = true, true
		a.str("queuePrefix", &s.QueuePrefix)
		a.str("topicPrefix", &s.TopicPrefix)
		a.str("queueSuffix", &s.QueueSuffix)
		a.str("topicSuffix", &s.TopicSuffix)
		// Dead letters always go to a queue, one per destination.
		a.sboolNotActedOn("useQueueForQueueMessages", &s.UseQueueForQueueMessages, true)
		a.sboolNotActedOn("useQueueForTopicMessages", &s.UseQueueForTopicMessages, true)
		a.sboolNotActedOn("destinationPerDurableSubscriber", &s.DestinationPerDurableSubscriber, false)
	default:
		d.unexpected(parent, n)
		return nil
	}
	a.sbool("processExpired", &s.ProcessExpired)
	a.sbool("processNonPersistent", &s.ProcessNonPersistent)
	a.long("expiration", &s.Expiration)
	a.sbool("enableAudit", &s.EnableAudit)
	a.int("maxAuditDepth", &s.MaxAuditDepth)
	a.int("maxProducersToAudit", &s.MaxProducersToAudit)
	s.Attrs = a.finish()
	for _, k := range n.kids {
		if k.local == "deadLetterQueue" && isCore(k) && n.local != "individualDeadLetterStrategy" {
			d.noAttrs(k)
			if c := d.single(k); c != nil {
				if dest, ok := d.destination(k, c); ok {
					s.DeadLetterQueue, s.DeadLetterQueueKind = dest.Name, dest.Kind
					if dest.Kind != Queue {
						// Dead letters always go to a queue of that name.
						d.warn(c, "<%s><deadLetterQueue><%s>: a dead-letter %s is not supported by this broker; the queue %s is used", n.local, c.local, dest.Kind, dest.Name)
					}
				}
			}
			continue
		}
		d.unexpected(n, k)
	}
	return s
}

func (d *decoder) pendingMessageLimitStrategy(parent, n *xnode) *PendingMessageLimitStrategy {
	s := &PendingMessageLimitStrategy{Pos: d.pos(n), Kind: n.local, Multiplier: 0.5}
	if !isCore(n) || (n.local != "constantPendingMessageLimitStrategy" && n.local != "prefetchRatePendingMessageLimitStrategy") {
		d.unexpected(parent, n)
		return nil
	}
	a := d.attrsOf(n)
	if n.local == "constantPendingMessageLimitStrategy" {
		a.int("limit", &s.Limit)
	} else {
		a.float("multiplier", &s.Multiplier)
	}
	s.Attrs = a.finish()
	for _, k := range n.kids {
		d.unexpected(n, k)
	}
	return s
}

func (d *decoder) slowConsumerStrategy(parent, n *xnode) *SlowConsumerStrategy {
	if !isCore(n) || (n.local != "abortSlowConsumerStrategy" && n.local != "abortSlowAckConsumerStrategy") {
		d.unexpected(parent, n)
		return nil
	}
	s := &SlowConsumerStrategy{Pos: d.pos(n), Kind: n.local, MaxSlowCount: -1, MaxSlowDuration: 30000,
		CheckPeriod: 30000, IgnoreNetworkConsumers: true}
	a := d.attrsOf(n)
	a.str("name", &s.Name)
	a.sbool("abortConnection", &s.AbortConnection)
	a.long("maxSlowCount", &s.MaxSlowCount)
	a.long("maxSlowDuration", &s.MaxSlowDuration)
	a.long("checkPeriod", &s.CheckPeriod)
	a.sbool("ignoreNetworkConsumers", &s.IgnoreNetworkConsumers)
	if n.local == "abortSlowAckConsumerStrategy" {
		s.IgnoreIdleConsumers, s.MaxTimeSinceLastAck = true, 30000
		a.sbool("ignoreIdleConsumers", &s.IgnoreIdleConsumers)
		a.long("maxTimeSinceLastAck", &s.MaxTimeSinceLastAck)
	}
	s.Attrs = a.finish()
	for _, k := range n.kids {
		d.unexpected(n, k)
	}
	return s
}

func (d *decoder) subscriptionRecoveryPolicy(parent, n *xnode) *SubscriptionRecoveryPolicy {
	if !isCore(n) {
		d.unexpected(parent, n)
		return nil
	}
	p := &SubscriptionRecoveryPolicy{Pos: d.pos(n), Kind: n.local}
	a := d.attrsOf(n)
	switch n.local {
	case "fixedCountSubscriptionRecoveryPolicy":
		p.MaximumSize = 100
		a.int("maximumSize", &p.MaximumSize)
	case "fixedSizedSubscriptionRecoveryPolicy":
		p.MaximumSize, p.UseSharedBuffer = 65536, true
		a.sizeInt("maximumSize", &p.MaximumSize)
		a.sbool("useSharedBuffer", &p.UseSharedBuffer)
	case "timedSubscriptionRecoveryPolicy":
		p.RecoverDuration = 60000
		a.long("recoverDuration", &p.RecoverDuration)
	case "queryBasedSubscriptionRecoveryPolicy":
		a.str("query", &p.Query)
	case "lastImageSubscriptionRecoveryPolicy", "noSubscriptionRecoveryPolicy", "retainedMessageSubscriptionRecoveryPolicy":
	default:
		d.unexpected(parent, n)
		return nil
	}
	p.Attrs = a.finish()
	for _, k := range n.kids {
		if k.local == "wrapped" && isCore(k) && n.local == "retainedMessageSubscriptionRecoveryPolicy" {
			d.noAttrs(k)
			if c := d.single(k); c != nil {
				p.Wrapped = d.subscriptionRecoveryPolicy(k, c)
			}
			continue
		}
		d.unexpected(n, k)
	}
	return p
}

// ---- system usage ----

func (d *decoder) systemUsage(n *xnode, su *SystemUsage) {
	su.Pos = d.pos(n)
	su.Configured = true
	a := d.attrsOf(n)
	a.sbool("sendFailIfNoSpace", &su.SendFailIfNoSpace)
	a.long("sendFailIfNoSpaceAfterTimeout", &su.SendFailIfNoSpaceAfterTimeout)
	var name string
	a.str("name", &name)
	a.get("checkLimitsLogLevel")
	su.Attrs = a.finish()
	for _, k := range n.kids {
		if !isCore(k) {
			d.unexpected(n, k)
			continue
		}
		var u *Usage
		switch k.local {
		case "memoryUsage":
			u = &su.Memory
		case "storeUsage":
			u = &su.Store
		case "tempUsage":
			u = &su.Temp
		case "jobSchedulerUsage":
			u = &su.JobScheduler
		default:
			d.unexpected(n, k)
			continue
		}
		d.noAttrs(k)
		if c := d.single(k); c != nil {
			if c.local != k.local || !isCore(c) {
				d.unexpected(k, c)
				continue
			}
			d.usage(c, u)
		}
	}
}

func (d *decoder) usage(n *xnode, u *Usage) {
	u.Pos = d.pos(n)
	u.Configured = true
	a := d.attrsOf(n)
	a.str("name", &u.Name)
	a.size("limit", &u.Limit)
	if n.local == "memoryUsage" {
		a.int("percentOfJvmHeap", &u.PercentOfJvmHeap)
	} else {
		a.int("percentLimit", &u.PercentLimit)
		a.size("total", &u.Total)
	}
	u.Attrs = a.finish()
	for _, k := range n.kids {
		d.unexpected(n, k)
	}
}

// ---- connectors ----

// uriIntOptions and friends are transport options whose values ActiveMQ
// converts; a bad value fails its start-up, so it fails here too.
var (
	uriIntOptions = []string{"maximumConnections", "backlog", "transport.soTimeout", "transport.soWriteTimeout",
		"transport.connectionTimeout", "transport.socketBufferSize", "transport.ioBufferSize",
		"wireFormat.cacheSize", "wireFormat.version"}
	uriLongOptions = []string{"wireFormat.maxFrameSize", "wireFormat.maxInactivityDuration",
		"wireFormat.maxInactivityDurationInitalDelay", "transport.maxInactivityDuration", "wireFormat.maxDataLength",
		"transport.defaultKeepAlive"}
	uriBoolOptions = []string{"transport.trace", "transport.useInactivityMonitor", "transport.closeAsync",
		"transport.needClientAuth", "transport.wantClientAuth", "transport.tcpNoDelay", "transport.keepAlive",
		"wireFormat.tightEncodingEnabled", "wireFormat.cacheEnabled", "wireFormat.sizePrefixDisabled",
		"wireFormat.stackTraceEnabled", "wireFormat.tcpNoDelayEnabled", "transport.reuseAddress"}
	uriFloatOptions = []string{"transport.hbGracePeriodMultiplier"}
)

func (d *decoder) checkURIOptions(a *attrs, attr string, u *ConnectorURI) {
	check := func(err error) bool {
		if err != nil {
			a.bad(attr, err)
			return false
		}
		return true
	}
	for _, o := range uriIntOptions {
		if _, err := u.OptionInt(o, 0); !check(err) {
			return
		}
	}
	for _, o := range uriLongOptions {
		if _, err := u.OptionInt64(o, 0); !check(err) {
			return
		}
	}
	for _, o := range uriBoolOptions {
		if _, err := u.OptionBool(o, false); !check(err) {
			return
		}
	}
	for _, o := range uriFloatOptions {
		if _, err := u.OptionFloat(o, 0); !check(err) {
			return
		}
	}
	if v, ok := u.Options["transport.defaultHeartBeat"]; ok {
		x, y, found := strings.Cut(v, ",")
		_, e1 := ParseInt(x, 64)
		_, e2 := ParseInt(y, 64)
		if !found || e1 != nil || e2 != nil {
			check(fmt.Errorf("option transport.defaultHeartBeat: want \"cx,cy\", got %q", v))
		}
	}
}

func (d *decoder) uriAttr(a *attrs, name string) (*ConnectorURI, bool) {
	v, ok := a.get(name)
	if !ok {
		return nil, false
	}
	u, err := ParseConnectorURI(v)
	if err != nil {
		a.bad(name, err)
		return nil, false
	}
	d.checkURIOptions(a, name, u)
	return u, true
}

func (d *decoder) transportConnector(n *xnode) *TransportConnector {
	tc := &TransportConnector{Pos: d.pos(n), MaximumConsumersAllowedPerConnection: math.MaxInt32,
		MaximumProducersAllowedPerConnection: math.MaxInt32}
	a := d.attrsOf(n)
	a.str("name", &tc.Name)
	u, ok := d.uriAttr(a, "uri")
	if ok {
		tc.URI = u
	}
	if u, ok := d.uriAttr(a, "discoveryUri"); ok {
		tc.DiscoveryURI = u
	}
	a.sbool("updateClusterClients", &tc.UpdateClusterClients)
	a.sbool("rebalanceClusterClients", &tc.RebalanceClusterClients)
	a.sbool("updateClusterClientsOnRemove", &tc.UpdateClusterClientsOnRemove)
	a.str("updateClusterFilter", &tc.UpdateClusterFilter)
	a.sbool("enableStatusMonitor", &tc.EnableStatusMonitor)
	a.sbool("allowLinkStealing", &tc.AllowLinkStealing)
	a.sbool("auditNetworkProducers", &tc.AuditNetworkProducers)
	a.sbool("disableAsyncDispatch", &tc.DisableAsyncDispatch)
	a.sbool("warnOnRemoteClose", &tc.WarnOnRemoteClose)
	a.sbool("displayStackTrace", &tc.DisplayStackTrace)
	a.int("maximumConsumersAllowedPerConnection", &tc.MaximumConsumersAllowedPerConnection)
	a.int("maximumProducersAllowedPerConnection", &tc.MaximumProducersAllowedPerConnection)
	tc.Attrs = a.finish()
	for _, k := range n.kids {
		if k.local == "publishedAddressPolicy" && isCore(k) {
			tc.PublishedAddressPolicy = d.capture(k)
			continue
		}
		d.unexpected(n, k)
	}
	if d.err != nil {
		return nil
	}
	if tc.URI == nil {
		d.failAt(n.line, n.col, nil, "<transportConnector> without a uri")
		return nil
	}
	if tc.Name == "" {
		tc.Name = tc.URI.Raw
	}
	return tc
}

func (d *decoder) networkConnector(n *xnode) *NetworkConnector {
	nc := &NetworkConnector{Pos: d.pos(n), Kind: n.local, Name: "NC", ConduitSubscriptions: true,
		ConsumerPriorityBase: -5, NetworkTTL: 1, MessageTTL: 1, ConsumerTTL: 1, PrefetchSize: 1000,
		AdvisoryAckPercentage: 75, BridgeTempDestinations: true, DispatchAsync: true, AlwaysSyncSend: true,
		SuppressDuplicateTopicSubscriptions: true, GCDestinationViews: true, GCSweepTime: 60000, BrokerName: "localhost"}
	a := d.attrsOf(n)
	a.str("name", &nc.Name)
	uriAttr := "uri"
	if n.local == "multicastNetworkConnector" {
		uriAttr = "remoteURI"
	}
	if u, ok := d.uriAttr(a, uriAttr); ok {
		nc.URI = u
	}
	if n.local == "networkConnector" {
		if u, ok := d.uriAttr(a, "discoveryURI"); ok && nc.URI == nil {
			nc.URI = u
		}
	}
	a.str("userName", &nc.UserName)
	a.str("password", &nc.Password)
	a.sbool("duplex", &nc.Duplex)
	a.sbool("dynamicOnly", &nc.DynamicOnly)
	a.sbool("conduitSubscriptions", &nc.ConduitSubscriptions)
	a.sbool("conduitNetworkQueueSubscriptions", &nc.ConduitNetworkQueueSubscriptions)
	a.sbool("decreaseNetworkConsumerPriority", &nc.DecreaseNetworkConsumerPriority)
	a.int("consumerPriorityBase", &nc.ConsumerPriorityBase)
	ttlSet := a.int("networkTTL", &nc.NetworkTTL)
	if ttlSet {
		nc.MessageTTL, nc.ConsumerTTL = nc.NetworkTTL, nc.NetworkTTL
	}
	a.int("messageTTL", &nc.MessageTTL)
	a.int("consumerTTL", &nc.ConsumerTTL)
	a.sizeInt("prefetchSize", &nc.PrefetchSize)
	a.int("advisoryPrefetchSize", &nc.AdvisoryPrefetchSize)
	a.int("advisoryAckPercentage", &nc.AdvisoryAckPercentage)
	a.sbool("bridgeTempDestinations", &nc.BridgeTempDestinations)
	a.sbool("dispatchAsync", &nc.DispatchAsync)
	a.sbool("alwaysSyncSend", &nc.AlwaysSyncSend)
	a.sbool("suppressDuplicateQueueSubscriptions", &nc.SuppressDuplicateQueueSubscriptions)
	a.sbool("suppressDuplicateTopicSubscriptions", &nc.SuppressDuplicateTopicSubscriptions)
	a.sbool("staticBridge", &nc.StaticBridge)
	a.sbool("useCompression", &nc.UseCompression)
	a.sbool("syncDurableSubs", &nc.SyncDurableSubs)
	a.sbool("useVirtualDestSubs", &nc.UseVirtualDestSubs)
	a.sbool("advisoryForFailedForward", &nc.AdvisoryForFailedForward)
	a.sbool("checkDuplicateMessagesOnDuplex", &nc.CheckDuplicateMessagesOnDuplex)
	a.sbool("gcDestinationViews", &nc.GCDestinationViews)
	a.long("gcSweepTime", &nc.GCSweepTime)
	a.str("brokerName", &nc.BrokerName)
	a.str("localUri", &nc.LocalURI)
	nc.Attrs = a.finish()
	for _, k := range n.kids {
		if !isCore(k) {
			d.unexpected(n, k)
			continue
		}
		switch k.local {
		case "excludedDestinations":
			nc.ExcludedDestinations = append(nc.ExcludedDestinations, d.destinationList(k)...)
		case "dynamicallyIncludedDestinations":
			nc.DynamicallyIncludedDestinations = append(nc.DynamicallyIncludedDestinations, d.destinationList(k)...)
		case "staticallyIncludedDestinations":
			nc.StaticallyIncludedDestinations = append(nc.StaticallyIncludedDestinations, d.destinationList(k)...)
		case "durableDestinations":
			nc.DurableDestinations = append(nc.DurableDestinations, d.destinationList(k)...)
		default:
			d.unexpected(n, k)
		}
	}
	if d.err != nil {
		return nil
	}
	if nc.URI == nil {
		d.failAt(n.line, n.col, nil, "<%s> without a %s", n.local, uriAttr)
		return nil
	}
	if n.local != "networkConnector" {
		d.warn(n, "<%s> is not supported by this broker; recorded, ignored", n.local)
	}
	return nc
}

// ---- SSL ----

func (d *decoder) storePath(a *attrs, name string, dst *string) {
	v, ok := a.get(name)
	if !ok {
		return
	}
	v = strings.TrimSpace(v)
	switch {
	case strings.HasPrefix(v, "classpath:"):
		*dst = filepath.Join(d.cfg.Paths.Conf, strings.TrimPrefix(v[len("classpath:"):], "/"))
	default:
		*dst = resolvePath(d.cfg.Paths.Base, v)
	}
}

func (d *decoder) sslContext(n *xnode) *SSLContext {
	s := &SSLContext{Pos: d.pos(n), KeyStoreType: "jks", TrustStoreType: "jks", Protocol: "TLS"}
	a := d.attrsOf(n)
	d.storePath(a, "keyStore", &s.KeyStore)
	a.str("keyStorePassword", &s.KeyStorePassword)
	a.str("keyStoreKeyPassword", &s.KeyStoreKeyPassword)
	a.str("keyStoreType", &s.KeyStoreType)
	a.str("keyStoreAlgorithm", &s.KeyStoreAlgorithm)
	d.storePath(a, "trustStore", &s.TrustStore)
	a.str("trustStorePassword", &s.TrustStorePassword)
	a.str("trustStoreType", &s.TrustStoreType)
	a.str("trustStoreAlgorithm", &s.TrustStoreAlgorithm)
	a.str("protocol", &s.Protocol)
	a.str("provider", &s.Provider)
	a.str("secureRandomAlgorithm", &s.SecureRandomAlgorithm)
	d.storePath(a, "crlPath", &s.CRLPath)
	s.Attrs = a.finish()
	for _, k := range n.kids {
		d.unexpected(n, k)
	}
	return s
}

// ---- virtual destinations ----

func (d *decoder) destinationInterceptors(n *xnode, b *Broker) {
	for _, k := range n.kids {
		if !isCore(k) {
			d.unexpected(n, k)
			continue
		}
		switch k.local {
		case "virtualDestinationInterceptor":
			d.noAttrs(k)
			for _, v := range k.kids {
				if v.local != "virtualDestinations" || !isCore(v) {
					d.unexpected(k, v)
					continue
				}
				d.noAttrs(v)
				for _, vd := range v.kids {
					if x := d.virtualDestination(v, vd); x != nil {
						b.VirtualDestinations = append(b.VirtualDestinations, x)
					}
				}
			}
		case "mirroredQueue":
			b.MirroredQueues = append(b.MirroredQueues, d.capture(k))
			d.warn(k, "<mirroredQueue> is not supported by this broker; recorded, ignored")
		default:
			d.unexpected(n, k)
		}
	}
}

func (d *decoder) virtualDestination(parent, n *xnode) *VirtualDestination {
	if !isCore(n) || (n.local != "virtualTopic" && n.local != "compositeQueue" && n.local != "compositeTopic") {
		d.unexpected(parent, n)
		return nil
	}
	v := &VirtualDestination{Pos: d.pos(n), Kind: n.local}
	a := d.attrsOf(n)
	a.str("name", &v.Name)
	a.sbool("concurrentSend", &v.ConcurrentSend)
	if n.local == "virtualTopic" {
		if v.Name == "" {
			v.Name = ">"
		}
		v.Prefix, v.SetOriginalDestination = "Consumer.*.", true
		a.str("prefix", &v.Prefix)
		a.str("postfix", &v.Postfix)
		a.sbool("selectorAware", &v.SelectorAware)
		a.sbool("local", &v.Local)
		a.sbool("transactedSend", &v.TransactedSend)
		a.sbool("dropOnResourceLimit", &v.DropOnResourceLimit)
		a.sbool("setOriginalDestination", &v.SetOriginalDestination)
	} else {
		v.ForwardOnly, v.CopyMessage = true, true
		a.sbool("forwardOnly", &v.ForwardOnly)
		a.sbool("copyMessage", &v.CopyMessage)
		a.sbool("sendWhenNotMatched", &v.SendWhenNotMatched)
	}
	v.Attrs = a.finish()
	for _, k := range n.kids {
		if k.local != "forwardTo" || !isCore(k) || n.local == "virtualTopic" {
			d.unexpected(n, k)
			continue
		}
		d.noAttrs(k)
		for _, t := range k.kids {
			if t.local == "filteredDestination" && isCore(t) {
				ft := ForwardTarget{Pos: d.pos(t)}
				ta := d.attrsOf(t)
				ft.Kind, ft.Name = d.destinationAttrs(t, ta)
				ta.str("selector", &ft.Selector)
				ta.finish()
				for _, c := range t.kids {
					if c.local == "destination" && isCore(c) {
						if cc := d.single(c); cc != nil {
							if dest, ok := d.destination(c, cc); ok {
								ft.Kind, ft.Name = dest.Kind, dest.Name
							}
						}
						continue
					}
					d.unexpected(t, c)
				}
				if ft.Kind == "" || ft.Name == "" {
					d.warn(t, "<filteredDestination> without queue or topic; ignored")
					continue
				}
				v.ForwardTo = append(v.ForwardTo, ft)
				continue
			}
			if dest, ok := d.destination(k, t); ok {
				v.ForwardTo = append(v.ForwardTo, ForwardTarget{Pos: dest.Pos, Kind: dest.Kind, Name: dest.Name})
			}
		}
	}
	if v.Kind != "virtualTopic" && v.Name == "" {
		d.failAt(n.line, n.col, nil, "<%s> without a name", n.local)
		return nil
	}
	return v
}
