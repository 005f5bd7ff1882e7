// Package store defines what the broker needs from persistence: an ordered,
// durable log of operations (message adds, acks, subscriptions) and an index to
// read back what is still pending. It knows nothing of the broker: messages are
// opaque encoded bytes with the few fields the index needs.
//
// Every store passes the conformance suite in store/storetest.
package store

import (
	"context"
	"errors"
)

// Position is a store's journal position: it only grows, and every Apply
// returns the position after its operations. Replication ships and elects on it.
type Position uint64

// Record is one stored message. Container is the destination in URL form
// (queue://A, topic://B). Seq is assigned by the broker, unique within the
// store and increasing in send order.
type Record struct {
	Container  string
	Seq        uint64
	Priority   uint8
	Expiration int64
	Data       []byte
	// Subs lists the durable subscriptions (SubInfo.Key) that must each ack a
	// topic message before it is gone. Empty for queue messages, which are
	// owned by the container itself.
	Subs []string
}

// SubInfo describes a durable topic subscription.
type SubInfo struct {
	Key      string // ClientID + ":" + Name
	ClientID string
	Name     string
	Topic    string // container of the topic, topic://X
	Selector string
	NoLocal  bool
}

// OpKind says what an Op does.
type OpKind uint8

const (
	OpAdd       OpKind = iota + 1 // store Record
	OpAck                         // remove Seq from Container (for Sub, if set)
	OpAddSub                      // create or update the durable subscription Sub
	OpRemoveSub                   // delete a durable subscription and what is pending for it, in any container
)

// Op is one operation of an atomic batch.
type Op struct {
	Kind   OpKind
	Record Record  // OpAdd
	Ack    AckRef  // OpAck
	Sub    SubInfo // OpAddSub, OpRemoveSub (Key)
}

// AckRef identifies the message an ack removes. Sub is empty for queues.
type AckRef struct {
	Container string
	Seq       uint64
	Sub       string
}

// ContainerStats counts what a container holds.
type ContainerStats struct {
	Container string
	Count     int64
	Bytes     int64
}

// Store is implemented by the memory, LevelDB and SQL stores.
//
// Apply must be safe for concurrent use; operations of one Apply call become
// durable atomically (all or none survive a crash), and calls complete in the
// order their operations were journaled. Load sees everything whose Apply has
// completed.
type Store interface {
	// Apply journals ops and calls done once they are durable under the
	// store's sync policy. done may run on another goroutine; it must not
	// block. Apply itself may block for flow control.
	Apply(ops []Op, done func(Position, error))
	// Load calls fn for each pending record of container (for sub, if set)
	// with Seq > after, in Seq order, until fn returns false or limit records
	// were read (limit <= 0 means no limit). With sub set and container
	// empty, it reads sub's pending records in every container (a wildcard
	// or composite subscription's messages lie in the topics they were sent
	// to), each Record naming its own.
	Load(ctx context.Context, container, sub string, after uint64, limit int, fn func(Record) bool) error
	// Containers lists every container holding messages or known to the store.
	Containers(ctx context.Context) ([]ContainerStats, error)
	// Subscriptions lists the durable subscriptions.
	Subscriptions(ctx context.Context) ([]SubInfo, error)
	// LastSeq is the highest Seq ever added, so a restarted broker continues above it.
	LastSeq() uint64
	// Position is the journal position after the last completed Apply.
	Position() Position
	Close() error
}

// LazyApplier is implemented by stores that can journal ops without waiting
// for them to reach the disk: done runs once they are written (visible to
// Load and ordered before every later Apply), and they become durable with
// the next synced write. A killed process loses none of them once they are
// written (before done runs, which waits for the index too), only those
// still queued for the writer; a crash of the machine may
// also lose the last ones written. The broker uses it for acks, whose loss
// means a redelivery, never a lost message.
type LazyApplier interface {
	ApplyLazy(ops []Op, done func(Position, error))
}

// ApplyLazy applies ops through s's LazyApplier, or through Apply when s
// has none.
func ApplyLazy(s Store, ops []Op, done func(Position, error)) {
	if l, ok := s.(LazyApplier); ok {
		l.ApplyLazy(ops, done)
		return
	}
	s.Apply(ops, done)
}

// ApplySync applies ops and waits until they are durable.
func ApplySync(s Store, ops []Op) (Position, error) {
	type res struct {
		p   Position
		err error
	}
	ch := make(chan res, 1)
	s.Apply(ops, func(p Position, err error) { ch <- res{p, err} })
	r := <-ch
	return r.p, r.err
}

// ErrClosed is returned by a store used after Close.
var ErrClosed = errors.New("store closed")
