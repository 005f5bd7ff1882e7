package broker

import (
	"context"
	"errors"
	"fmt"
)

// Client is an in-process connection for Go programs that embed the broker
// (ActiveMQ's vm:// transport): no sockets, no encoding, same semantics.
type Client struct {
	conn *Conn
}

// NewClient connects in process. clientID may be empty (needed only for
// durable subscriptions).
func (b *Broker) NewClient(clientID string) (*Client, error) {
	c, err := b.Connect(ConnInfo{ClientID: clientID, Protocol: "vm", RemoteAddr: "vm://" + b.cfg.Name})
	if err != nil {
		return nil, err
	}
	return &Client{conn: c}, nil
}

// Conn exposes the underlying broker connection.
func (c *Client) Conn() *Conn { return c.conn }

// Send sends m and waits until it is durable (persistent) or enqueued.
func (c *Client) Send(ctx context.Context, m *Message) error {
	done := make(chan error, 1)
	if err := c.conn.Send(m, nil, func(err error) { done <- err }); err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SendText is a shorthand for a text message.
func (c *Client) SendText(ctx context.Context, d Destination, text string, persistent bool) error {
	return c.Send(ctx, &Message{Dest: d, Body: []byte(text), BodyKind: BodyText, Persistent: persistent, Priority: 4})
}

// Subscription delivers messages on a channel.
type Subscription struct {
	cons    *Consumer
	ch      chan *Delivery
	autoAck bool
}

// Subscribe creates a consumer. With autoAck every message is acknowledged
// as Receive returns it; otherwise call Ack.
func (c *Client) Subscribe(o SubscribeOptions, autoAck bool) (*Subscription, error) {
	s := &Subscription{autoAck: autoAck}
	cap := o.Prefetch
	if cap <= 0 {
		cap = 1000
	}
	if cap > 65536 {
		cap = 65536
	}
	s.ch = make(chan *Delivery, cap+1)
	cons, err := c.conn.Subscribe(o, DelivererFunc(func(d *Delivery) {
		select {
		case s.ch <- d:
		default:
			// Credit bounds what is in flight, so this only happens when
			// a prefetch larger than the channel was asked for; the
			// message returns to the queue when the consumer closes.
		}
	}))
	if err != nil {
		return nil, err
	}
	s.cons = cons
	return s, nil
}

// Receive waits for the next delivery.
func (s *Subscription) Receive(ctx context.Context) (*Delivery, error) {
	for {
		select {
		case d := <-s.ch:
			if !d.MarkSent() {
				continue // returned to its queue meanwhile
			}
			if s.autoAck {
				a := s.cons.AckDelivered([]*Delivery{d})
				a.Written()
			}
			return d, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Ack acknowledges one delivery and waits until the ack is durable.
func (s *Subscription) Ack(d *Delivery) error {
	if s.autoAck {
		return errors.New("auto-acknowledge subscription")
	}
	done := make(chan error, 1)
	if err := s.cons.Ack(d.Msg.ID, AckIndividual, nil, func(err error) { done <- err }); err != nil {
		return err
	}
	return <-done
}

// Pending reports deliveries waiting for Receive, so a pulling caller can
// tell whether it needs to ask for another.
func (s *Subscription) Pending() int { return len(s.ch) }

// Consumer exposes the underlying consumer.
func (s *Subscription) Consumer() *Consumer { return s.cons }

// Close ends the subscription; unacked messages return to the queue.
func (s *Subscription) Close() { s.cons.Close() }

// Close disconnects the client.
func (c *Client) Close() error {
	if c.conn == nil {
		return fmt.Errorf("client not connected")
	}
	c.conn.Close()
	return nil
}
