package openwire

import (
	"crypto/tls"
	"errors"
	"strings"
	"time"

	"amq/broker"
	"amq/internal/openwire/wire"
)

var errNotConnected = jmsErrorf(classIllegalState, "no ConnectionInfo received on this connection")

// handle runs one command. Every command that asks for a response gets a
// Response or an ExceptionResponse: the client waits for it, mostly with no
// timeout. It reports whether the connection should close.
func (c *conn) handle(cmd wire.Command, f *sentFrame) (stop bool) {
	var err error
	answered := false // the handler queued, or will queue, the answer itself
	switch v := cmd.(type) {
	case *wire.Message:
		answered, err = c.onMessage(v, f)
	case *wire.MessageAck:
		answered, err = c.onAck(v)
	case *wire.MessagePull:
		err = c.onPull(v)
	case *wire.KeepAliveInfo:
		if v.ResponseRequired {
			c.send(&wire.KeepAliveInfo{})
		}
		return false
	case *wire.ConnectionInfo:
		return c.onConnectionInfo(v)
	case *wire.SessionInfo:
		if !c.connected() {
			err = errNotConnected
		}
	case *wire.ConsumerInfo:
		err = c.onConsumerInfo(v)
	case *wire.ProducerInfo:
		err = c.onProducerInfo(v)
	case *wire.TransactionInfo:
		answered, err = c.onTransaction(v)
	case *wire.DestinationInfo:
		err = c.onDestinationInfo(v)
	case *wire.RemoveSubscriptionInfo:
		err = c.onRemoveSubscription(v)
	case *wire.RemoveInfo:
		err = c.onRemove(v)
	case *wire.ShutdownInfo:
		stop = true
	case *wire.ConsumerControl:
		err = c.onConsumerControl(v)
	default:
		// ControlCommand, a repeated WireFormatInfo, BrokerInfo from a
		// network peer, responses, ProducerAck, ConnectionError: nothing to
		// do beyond answering.
	}
	if answered {
		return stop
	}
	if b := cmd.Base(); b.ResponseRequired {
		c.answer(b.CommandID, err)
	} else if err != nil {
		c.log.Debug("command failed", "type", cmd.DataType(), "err", err)
		c.doomTransaction(cmd, err)
		// As ActiveMQ does, so that the client's ExceptionListener hears
		// of what it did not wait for (an async send refused, say).
		c.send(&wire.ConnectionError{Exception: throwableFor(err)})
	}
	return stop
}

// doomTransaction marks the local transaction of a failed send that the
// client did not wait for (transacted sends are async) as rollback-only,
// as ActiveMQ does: the client believes the message is part of the
// transaction, so committing the rest would lose it silently.
func (c *conn) doomTransaction(cmd wire.Command, err error) {
	m, ok := cmd.(*wire.Message)
	if !ok {
		return
	}
	lt, ok := m.TransactionID.(*wire.LocalTransactionId)
	if !ok || lt == nil {
		return
	}
	id := lt.String()
	if _, done := c.rollbackOnly[id]; done {
		return
	}
	if c.rollbackOnly == nil {
		c.rollbackOnly = map[string]error{}
	}
	c.rollbackOnly[id] = err
}

// errRollbackOnly is ActiveMQ's answer to the commit of a doomed
// transaction; the client rethrows it as a JMSException.
var errRollbackOnly = jmsErrorf(classXA, "COMMIT FAILED: Transaction marked rollback only xaErrorCode:100")

// connected reports whether a ConnectionInfo was accepted and its
// connection not removed since.
func (c *conn) connected() bool { return c.bc != nil && !c.bcClosed }

func (c *conn) onConnectionInfo(v *wire.ConnectionInfo) (stop bool) {
	if v.ConnectionID == nil {
		c.answer(v.CommandID, jmsErrorf(classJMSException, "ConnectionInfo without a connection id"))
		return false
	}
	if c.bc != nil && !c.bcClosed {
		if c.wireConnID.Value == v.ConnectionID.Value {
			c.answer(v.CommandID, nil)
			return false
		}
		c.answer(v.CommandID, jmsErrorf(classIllegalState, "this transport already carries connection %s", c.wireConnID.Value))
		return false
	}
	user := v.UserName.String
	var u *broker.User
	if a := c.s.opts.Auth; a != nil {
		var cs *tls.ConnectionState
		if tc, ok := c.nc.(*tls.Conn); ok {
			st := tc.ConnectionState()
			cs = &st
		}
		var err error
		if u, err = a.Authenticate(user, v.Password.String, cs); err != nil {
			c.log.Warn("authentication failed; closing connection", "user", user, "err", err)
			c.enqueue(outItem{cmd: &wire.ExceptionResponse{CorrelationID: v.CommandID, Exception: &wire.Throwable{
				Class: classSecurity, Message: wire.Str("User name [" + user + "] or password is invalid."),
			}}})
			return true
		}
	} else if user != "" {
		u = &broker.User{Name: user}
	}
	b := c.s.opts.Broker
	info := broker.ConnInfo{ClientID: v.ClientID.String, User: u, Protocol: "openwire", RemoteAddr: c.nc.RemoteAddr().String()}
	bc, err := b.Connect(info)
	if errors.Is(err, broker.ErrClientIDInUse) && c.takeOver(v.ConnectionID.Value) {
		bc, err = b.Connect(info)
	}
	if err != nil {
		c.log.Warn("connection refused", "clientID", info.ClientID, "err", err)
		c.answer(v.CommandID, err)
		return false
	}
	c.bc, c.bcClosed = bc, false
	c.wireConnID = v.ConnectionID
	c.s.register(c, v.ConnectionID.Value)
	bc.SetAbortHandler(func(reason string) {
		c.log.Warn("connection aborted by the broker", "reason", reason)
		c.shutdown()
	})
	c.answer(v.CommandID, nil)
	if v.Manageable {
		c.send(&wire.ConnectionControl{FaultTolerant: false, RebalanceConnection: false})
	}
	c.log.Info("connection opened", "connection", v.ConnectionID.Value, "clientID", info.ClientID, "user", user,
		"failoverReconnect", v.FailoverReconnect)
	return false
}

// takeOver closes an older socket of the same client connection (a failover
// client that reconnected before we noticed its old socket die), so that
// its client ID is free again. It reports whether it closed one.
func (c *conn) takeOver(clientConnID string) bool {
	c.s.mu.Lock()
	old := c.s.byConnID[clientConnID]
	c.s.mu.Unlock()
	if old == nil || old == c {
		return false
	}
	c.log.Info("client reconnected: closing its previous connection", "connection", clientConnID)
	old.shutdown()
	select {
	case <-old.finished:
		return true
	case <-time.After(c.s.opts.WriteTimeout):
		return false
	}
}

func (c *conn) onConsumerInfo(v *wire.ConsumerInfo) error {
	if !c.connected() {
		return errNotConnected
	}
	if v.ConsumerID == nil || v.Destination == nil {
		return jmsErrorf(classJMSException, "ConsumerInfo needs a consumer id and a destination")
	}
	dest, err := toBrokerDest(v.Destination)
	if err != nil {
		return jmsErrorf(classInvalidDestination, "%v", err)
	}
	if _, dup := c.consumers[*v.ConsumerID]; dup {
		return jmsErrorf(classIllegalState, "consumer %s already exists", v.ConsumerID)
	}
	k := &consumer{
		c: c, id: *v.ConsumerID, wid: v.ConsumerID, dest: dest, wdest: v.Destination,
		browser: v.Browser, prefetch: int(v.PrefetchSize), logLimit: 256,
	}
	if v.Browser {
		return c.browse(k, v)
	}
	o := broker.SubscribeOptions{
		Dest:        dest,
		Selector:    v.Selector.String,
		Prefetch:    int(v.PrefetchSize),
		NoLocal:     v.NoLocal,
		Exclusive:   v.Exclusive,
		Priority:    int(int8(v.Priority)),
		Retroactive: v.Retroactive,
	}
	if o.Prefetch < 0 {
		o.Prefetch = -1
	}
	if v.SubscriptionName.Valid && v.SubscriptionName.String != "" && dest.IsTopic() {
		o.DurableName = v.SubscriptionName.String
	}
	c.consumers[k.id] = k
	cons, err := c.bc.Subscribe(o, k)
	if err != nil {
		delete(c.consumers, k.id)
		k.closed.Store(true)
		return err
	}
	k.bcons = cons
	return nil
}

// browse sends a snapshot of the queue, then the null dispatch that ends a
// QueueBrowser's enumeration.
func (c *conn) browse(k *consumer, v *wire.ConsumerInfo) error {
	if !k.dest.IsQueue() {
		return jmsErrorf(classInvalidDestination, "only queues can be browsed: %s", v.Destination)
	}
	if err := c.bc.CheckRead(k.dest); err != nil {
		return err
	}
	b := c.s.opts.Broker
	var filter broker.Filter
	if sel := strings.TrimSpace(v.Selector.String); sel != "" {
		f, err := b.CompileSelector(sel)
		if err != nil {
			return err
		}
		filter = f
	}
	c.consumers[k.id] = k
	for _, m := range b.Browse(k.dest, filter, 0) {
		k.c.enqueue(outItem{d: &broker.Delivery{Msg: m, DeliveryCount: 1}, k: k})
	}
	k.nullDispatch()
	return nil
}

// lastDeliveredUnknown is RemoveInfo.lastDeliveredSequenceId when the
// client cannot say what its application took: every unacked message then
// counts as delivered.
const lastDeliveredUnknown = -2

// closeConsumer closes k. last is RemoveInfo.lastDeliveredSequenceId: the
// brokerSequenceId (the writer's numbering) of the last message the
// client's application took from k or, when shared, from any consumer of
// the closing session or connection. Messages that only sat in the
// client's prefetch buffer then go back without a redelivery, as in
// ActiveMQ.
func (c *conn) closeConsumer(k *consumer, last int64, shared bool) {
	k.stopPull()
	k.closed.Store(true)
	delete(c.consumers, k.id)
	switch {
	case k.bcons == nil:
	case last == lastDeliveredUnknown:
		k.bcons.Close()
	default:
		k.bcons.CloseConsumed(last, shared)
	}
}

func (c *conn) onProducerInfo(v *wire.ProducerInfo) error {
	if !c.connected() {
		return errNotConnected
	}
	if v.ProducerID == nil {
		return jmsErrorf(classJMSException, "ProducerInfo without a producer id")
	}
	if _, dup := c.producers[*v.ProducerID]; dup {
		return nil
	}
	p := &producer{id: *v.ProducerID, wid: v.ProducerID, window: v.WindowSize > 0}
	if v.Destination != nil {
		d, err := toBrokerDest(v.Destination)
		if err != nil {
			return jmsErrorf(classInvalidDestination, "%v", err)
		}
		if d.IsTemp() && !c.s.opts.Broker.IsTempLive(d) {
			return jmsErrorf(classInvalidDestination, "%v: %s", broker.ErrDeletedDestination, d)
		}
		if err := c.bc.CheckWrite(d); err != nil {
			return err
		}
		p.dest = d
		c.bc.AddProducer(d)
	}
	c.producers[p.id] = p
	return nil
}

func (c *conn) removeProducer(p *producer) {
	delete(c.producers, p.id)
	if !p.dest.IsZero() && c.bc != nil && !c.bcClosed {
		c.bc.RemoveProducer(p.dest)
	}
}

// txFor returns the open transaction id names (nil for none).
func (c *conn) txFor(id wire.TransactionId) (*broker.Tx, error) {
	switch t := id.(type) {
	case nil:
		return nil, nil
	case *wire.LocalTransactionId:
		if t == nil {
			return nil, nil
		}
		return c.bc.Tx(t.String())
	case *wire.XATransactionId:
		return nil, errXA
	}
	return nil, jmsErrorf(classJMSException, "unknown transaction id type %T", id)
}

var errXA = jmsErrorf(classJMSException, "XA transactions are not supported")

// producerAckSize is how the JMS client counts a message against its
// producer window (Message.getSize: a 1 KiB minimum plus the content and
// the marshalled properties).
func producerAckSize(v *wire.Message) int32 {
	return int32(min(1024+len(v.Content)+len(v.MarshalledProperties), 1<<31-1))
}

func (c *conn) onMessage(v *wire.Message, f *sentFrame) (answered bool, err error) {
	if !c.connected() {
		return false, errNotConnected
	}
	var prod *producer
	if v.ProducerID != nil {
		prod = c.producers[*v.ProducerID]
	}
	windowAck := prod != nil && prod.window && !v.ResponseRequired
	m, err := toBrokerMessage(v)
	if err != nil {
		if windowAck {
			c.send(&wire.ProducerAck{ProducerID: prod.wid, Size: producerAckSize(v)})
		}
		return false, jmsErrorf(classJMSException, "%v", err)
	}
	tx, err := c.txFor(v.TransactionID)
	if err != nil {
		if windowAck {
			c.send(&wire.ProducerAck{ProducerID: prod.wid, Size: producerAckSize(v)})
		}
		return false, err
	}
	if f != nil && v.MessageID != nil {
		// Before Send: the broker may dispatch it at once. (Without a
		// message id the broker assigns one, which the frame lacks.)
		f.dest = m.Dest
		rememberFrame(m, f)
	}
	var done func(error)
	if v.ResponseRequired || windowAck || m.Persistent {
		cid := v.CommandID
		resp := v.ResponseRequired
		c.sendSem <- struct{}{}
		c.pending.Add(1)
		done = func(err error) {
			<-c.sendSem
			switch {
			case resp:
				c.answer(cid, err)
			case err != nil:
				c.log.Warn("storing a message failed", "destination", m.Dest.String(), "err", err)
			}
			if windowAck {
				c.send(&wire.ProducerAck{ProducerID: prod.wid, Size: producerAckSize(v)})
			}
			c.pending.Done()
		}
	}
	if err := c.bc.Send(m, tx, done); err != nil {
		if done != nil {
			<-c.sendSem
			c.pending.Done()
		}
		if windowAck {
			c.send(&wire.ProducerAck{ProducerID: prod.wid, Size: producerAckSize(v)})
		}
		if !v.ResponseRequired {
			c.log.Warn("message not delivered", "destination", m.Dest.String(), "err", err)
		}
		return false, err
	}
	return true, nil
}

func messageID(id *wire.MessageId) string {
	if id == nil {
		return ""
	}
	return id.String()
}

func (c *conn) onAck(v *wire.MessageAck) (answered bool, err error) {
	if !c.connected() {
		return false, errNotConnected
	}
	if v.ConsumerID == nil {
		return false, nil
	}
	k := c.consumers[*v.ConsumerID]
	if k == nil || k.bcons == nil {
		// A browser, or a consumer already closed: nothing to settle.
		return false, nil
	}
	last := k.loggedID(v.LastMessageID)
	switch v.AckType {
	case wire.AckDelivered:
		if v.MessageCount > 0 {
			k.bcons.ExtendCredit(int(v.MessageCount))
		}
		k.maybePrune()
		return false, nil
	case wire.AckRedelivered, wire.AckUnmatched:
		return false, nil
	case wire.AckPoison:
		cause := "Poison ack"
		if v.PoisonCause != nil {
			cause = v.PoisonCause.Error()
		}
		for _, id := range k.takeRange(messageID(v.FirstMessageID), last) {
			if err := k.bcons.Nack(id, cause, nil, nil); err != nil {
				c.log.Debug("poison ack for a message not in flight", "message", id, "err", err)
			}
		}
		return false, nil
	case wire.AckExpired:
		k.forget(last)
		if err := k.bcons.AckExpired(last); err != nil {
			c.log.Debug("expired ack for a message not in flight", "message", last, "err", err)
		}
		return false, nil
	case wire.AckStandard, wire.AckIndividual:
	default:
		return false, jmsErrorf(classJMSException, "unknown ack type %d", v.AckType)
	}
	tx, err := c.txFor(v.TransactionID)
	if err != nil {
		return false, err
	}
	mode := broker.AckCumulative
	if v.AckType == wire.AckIndividual {
		mode = broker.AckIndividual
	}
	var done func(error)
	if v.ResponseRequired {
		cid := v.CommandID
		c.pending.Add(1)
		done = func(err error) {
			c.answer(cid, err)
			c.pending.Done()
		}
	}
	if err := k.bcons.Ack(last, mode, tx, done); err != nil {
		if done != nil {
			c.pending.Done()
		}
		// Acks racing a consumer close or a redelivery are normal.
		c.log.Debug("ack for a message not in flight", "message", last, "err", err)
		return false, nil
	}
	if tx == nil {
		if mode == broker.AckCumulative {
			k.forgetThrough(last)
		} else {
			k.forget(last)
		}
	}
	k.maybePrune()
	return done != nil, nil
}

func (c *conn) onPull(v *wire.MessagePull) error {
	if v.ConsumerID == nil {
		return nil
	}
	k := c.consumers[*v.ConsumerID]
	if k == nil || k.bcons == nil || k.prefetch != 0 {
		return nil
	}
	k.pullMu.Lock()
	k.pullGen++
	gen := k.pullGen
	if k.pullTimer != nil {
		k.pullTimer.Stop()
		k.pullTimer = nil
	}
	before := k.delivered.Load()
	k.bcons.Pull(1)
	switch {
	case v.Timeout < 0:
		k.pullMu.Unlock()
		k.expirePull(gen, before)
	case v.Timeout == 0:
		k.pullMu.Unlock()
	default:
		k.pullTimer = time.AfterFunc(time.Duration(v.Timeout)*time.Millisecond, func() { k.expirePull(gen, before) })
		k.pullMu.Unlock()
	}
	return nil
}

// expirePull ends a pull at its deadline: unless a message went out for it,
// the credit is withdrawn and the client told there is nothing.
func (k *consumer) expirePull(gen, before uint64) {
	k.pullMu.Lock()
	defer k.pullMu.Unlock()
	if gen != k.pullGen || k.closed.Load() {
		return
	}
	k.pullTimer = nil
	if k.delivered.Load() != before {
		return
	}
	k.bcons.CancelPull()
	// A message dispatched before CancelPull took the credit; Deliver
	// counted it under the destination lock, so this sees it.
	if k.delivered.Load() == before {
		k.nullDispatch()
	}
}

func (c *conn) onTransaction(v *wire.TransactionInfo) (answered bool, err error) {
	if !c.connected() {
		return false, errNotConnected
	}
	lt, ok := v.TransactionID.(*wire.LocalTransactionId)
	if !ok || lt == nil {
		if _, xa := v.TransactionID.(*wire.XATransactionId); xa {
			return false, errXA
		}
		return false, jmsErrorf(classJMSException, "TransactionInfo without a transaction id")
	}
	id := lt.String()
	switch v.Type {
	case wire.TxBegin:
		_, err := c.bc.Begin(id)
		return false, err
	case wire.TxCommitOnePhase:
		tx, err := c.bc.Tx(id)
		if cause, doomed := c.rollbackOnly[id]; doomed {
			delete(c.rollbackOnly, id)
			if err == nil {
				// The client redelivers what it consumed, as after a
				// rollback.
				tx.Abort()
			}
			c.log.Warn("commit refused: a send in the transaction failed", "transaction", id, "cause", cause)
			return false, errRollbackOnly
		}
		if err != nil {
			return false, jmsErrorf(classJMSException, "Transaction '%s' has not been started.", id)
		}
		cid, resp := v.CommandID, v.ResponseRequired
		c.pending.Add(1)
		err = tx.Commit(func(err error) {
			if resp {
				c.answer(cid, err)
			} else if err != nil {
				c.log.Warn("commit failed", "transaction", id, "err", err)
			}
			c.pending.Done()
		})
		if err != nil {
			c.pending.Done()
			return false, jmsErrorf(classJMSException, "%v", err)
		}
		return true, nil
	case wire.TxRollback:
		delete(c.rollbackOnly, id)
		tx, err := c.bc.Tx(id)
		if err != nil {
			// Nothing happened in it that the broker knows of.
			return false, nil
		}
		// The client redelivers the rolled-back messages itself, so they
		// stay in flight with their consumers.
		tx.Abort()
		return false, nil
	case wire.TxEnd:
		return false, nil
	}
	return false, jmsErrorf(classJMSException, "transaction operation %d is only meaningful for XA transactions, which are not supported", v.Type)
}

func (c *conn) onDestinationInfo(v *wire.DestinationInfo) error {
	if !c.connected() {
		return errNotConnected
	}
	d, err := toBrokerDest(v.Destination)
	if err != nil || d.IsZero() {
		return jmsErrorf(classInvalidDestination, "DestinationInfo without a valid destination: %v", err)
	}
	b := c.s.opts.Broker
	switch v.OperationType {
	case wire.DestinationAdd:
		switch {
		case d.IsTemp():
			return c.bc.AddTemp(d)
		case d.IsQueue():
			b.AddQueue(d.Name)
		default:
			b.AddTopic(d.Name)
		}
	case wire.DestinationRemove:
		switch {
		case d.IsTemp():
			return c.bc.DeleteTemp(d)
		case d.IsQueue():
			b.RemoveQueue(d.Name)
		}
	default:
		return jmsErrorf(classJMSException, "unknown destination operation %d", v.OperationType)
	}
	return nil
}

func (c *conn) onRemoveSubscription(v *wire.RemoveSubscriptionInfo) error {
	if !c.connected() {
		return errNotConnected
	}
	name := v.SubscriptionName.String
	clientID := v.ClientID.String
	var err error
	if clientID == "" || clientID == c.bc.Info().ClientID {
		err = c.bc.RemoveDurable(name)
	} else {
		err = c.s.opts.Broker.RemoveDurable(clientID, name)
	}
	if err != nil && strings.Contains(err.Error(), "no durable subscription") {
		return jmsErrorf(classInvalidDestination, "%v", err)
	}
	return err
}

func (c *conn) onRemove(v *wire.RemoveInfo) error {
	switch id := v.ObjectID.(type) {
	case *wire.ConsumerId:
		if k := c.consumers[*id]; k != nil {
			c.closeConsumer(k, v.LastDeliveredSequenceID, false)
		}
	case *wire.ProducerId:
		if p := c.producers[*id]; p != nil {
			c.removeProducer(p)
		}
	case *wire.SessionId:
		for _, k := range c.consumers {
			if k.id.SessionId() == *id {
				c.closeConsumer(k, v.LastDeliveredSequenceID, true)
			}
		}
		for _, p := range c.producers {
			if p.id.SessionId() == *id {
				c.removeProducer(p)
			}
		}
	case *wire.ConnectionId:
		for _, k := range c.consumers {
			c.closeConsumer(k, v.LastDeliveredSequenceID, true)
		}
		for _, p := range c.producers {
			c.removeProducer(p)
		}
		if c.bc != nil && !c.bcClosed {
			// Leave the broker before answering, so a client that connects
			// again at once with the same client ID is not refused.
			c.bc.Close()
			c.bcClosed = true
		}
	}
	return nil
}

func (c *conn) onConsumerControl(v *wire.ConsumerControl) error {
	if v.ConsumerID == nil {
		return nil
	}
	k := c.consumers[*v.ConsumerID]
	if k == nil {
		return nil
	}
	switch {
	case v.Close:
		c.closeConsumer(k, lastDeliveredUnknown, false)
	case v.Start, v.Stop, v.Flush:
	case k.bcons != nil && v.Prefetch >= 0 && int(v.Prefetch) != k.prefetch:
		k.prefetch = int(v.Prefetch)
		k.bcons.SetPrefetch(k.prefetch)
	}
	return nil
}

// ---- the dispatched-message log ----

// live returns the logged ids still of interest. Caller holds logMu.
func (k *consumer) live() []string { return k.sent[k.head:] }

// loggedID returns messageID(id), as the string logged when the message was
// sent if it is near the front of the log (where an ack usually finds it),
// so that acking a message allocates no second copy of its id.
func (k *consumer) loggedID(id *wire.MessageId) string {
	if id == nil {
		return ""
	}
	var buf [128]byte
	text := id.AppendTo(buf[:0])
	k.logMu.Lock()
	defer k.logMu.Unlock()
	live := k.live()
	for _, s := range live[:min(len(live), 8)] {
		if s == string(text) {
			return s
		}
	}
	return string(text)
}

// dropFront forgets the first n live ids, compacting now and then so the
// log does not creep forward in memory. Caller holds logMu.
func (k *consumer) dropFront(n int) {
	clear(k.sent[k.head : k.head+n])
	k.head += n
	switch {
	case k.head == len(k.sent):
		k.sent, k.head = k.sent[:0], 0
	case k.head > 1024 && k.head > len(k.sent)/2:
		m := copy(k.sent, k.sent[k.head:])
		clear(k.sent[m:])
		k.sent, k.head = k.sent[:m], 0
	}
}

// takeRange removes and returns the logged ids from first through last (or
// just last when first is not logged).
func (k *consumer) takeRange(first, last string) []string {
	k.logMu.Lock()
	defer k.logMu.Unlock()
	live := k.live()
	j := -1
	for i, id := range live {
		if id == last {
			j = i
			break
		}
	}
	if j < 0 {
		return []string{last}
	}
	i := j
	if first != "" && first != last {
		for x := 0; x < j; x++ {
			if live[x] == first {
				i = x
				break
			}
		}
	}
	out := append([]string(nil), live[i:j+1]...)
	if i == 0 {
		k.dropFront(j + 1)
	} else {
		n := copy(live[i:], live[j+1:])
		clear(live[i+n:])
		k.sent = k.sent[:k.head+i+n]
	}
	return out
}

// forgetThrough drops the ids logged up to and including id.
func (k *consumer) forgetThrough(id string) {
	k.logMu.Lock()
	defer k.logMu.Unlock()
	for i, x := range k.live() {
		if x == id {
			k.dropFront(i + 1)
			return
		}
	}
}

// forget drops id when it is near the front, where acks usually find it;
// anything else waits for maybePrune.
func (k *consumer) forget(id string) {
	k.logMu.Lock()
	defer k.logMu.Unlock()
	live := k.live()
	for i := 0; i < len(live) && i < 64; i++ {
		if live[i] != id {
			continue
		}
		if i == 0 {
			k.dropFront(1)
		} else {
			copy(live[i:], live[i+1:])
			live[len(live)-1] = ""
			k.sent = k.sent[:len(k.sent)-1]
		}
		return
	}
}

// maybePrune drops logged ids the broker no longer holds in flight for the
// consumer, once the log has grown; the threshold doubles with what
// remains, so the work is amortised.
func (k *consumer) maybePrune() {
	k.logMu.Lock()
	n := len(k.live())
	if n <= k.logLimit {
		k.logMu.Unlock()
		return
	}
	snap := append([]string(nil), k.live()...)
	k.logMu.Unlock()
	keep := snap[:0]
	for _, id := range snap {
		if k.bcons.HasUnacked(id) {
			keep = append(keep, id)
		}
	}
	k.logMu.Lock()
	// Only the reader removes ids; Deliver may have appended some since.
	k.sent = append(keep, k.live()[n:]...)
	k.head = 0
	k.logLimit = max(2*len(k.sent), 2*k.prefetch, 256)
	k.logMu.Unlock()
}
