package broker

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"amq/store"
	"amq/store/leveldb"
)

// TestWildcardDurableAcrossRestart: a durable subscription on a wildcard
// topic keeps what was sent to the topics it matches while it was offline,
// through a restart of the broker, in order; acked messages stay acked over
// the next restart, and removing the subscription leaves nothing stored.
func TestWildcardDurableAcrossRestart(t *testing.T) {
	durableAcrossRestart(t, "news.>", [][2]string{
		{"news.sport", "one"}, {"news.weather", "two"}, {"news.sport", "three"}, {"other", "not matched"},
	})
}

// TestCompositeDurableAcrossRestart: the same for a durable subscription on
// a composite name, with a plain and a wildcard member.
func TestCompositeDurableAcrossRestart(t *testing.T) {
	durableAcrossRestart(t, "news.sport,alerts.>", [][2]string{
		{"news.sport", "one"}, {"news.weather", "not matched"}, {"alerts.fire", "two"}, {"news.sport", "three"},
	})
}

// durableAcrossRestart subscribes durably to name, sends sends ({topic,
// body}) while it is offline -- it must receive "one", "two", "three" --
// and checks them across restarts and the subscription's removal.
func durableAcrossRestart(t *testing.T, name string, sends [][2]string) {
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var st *leveldb.Store
	open := func() *Broker {
		t.Helper()
		var err error
		if st, err = leveldb.Open(leveldb.Options{Dir: dir, Logger: quiet}); err != nil {
			t.Fatal(err)
		}
		b, err := New(Config{Store: st, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		return b
	}
	stop := func(b *Broker) {
		b.Close()
		st.Close()
	}
	durable := func(b *Broker) (*Client, *Subscription) {
		t.Helper()
		c, err := b.NewClient("c1")
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.Subscribe(SubscribeOptions{Dest: TopicDest(name), Prefetch: -1, DurableName: "d"}, false)
		if err != nil {
			t.Fatal(err)
		}
		return c, s
	}

	b := open()
	c, s := durable(b)
	s.Close()
	pub, _ := b.NewClient("")
	for _, m := range sends {
		send(t, pub, TopicDest(m[0]), m[1], true)
	}
	pub.Close()
	c.Close()
	stop(b)

	b = open()
	c, s = durable(b)
	for _, want := range []string{"one", "two"} {
		d := recv(t, s)
		if string(d.Msg.Body) != want {
			t.Fatalf("after the restart: %q, want %q", d.Msg.Body, want)
		}
		if err := s.Ack(d); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	c.Close()
	stop(b)

	b = open()
	c, s = durable(b)
	if d := recv(t, s); string(d.Msg.Body) != "three" {
		t.Fatalf("after the second restart: %q, want the one not acked", d.Msg.Body)
	}
	noMsg(t, s)
	s.Close()
	pub, _ = b.NewClient("")
	send(t, pub, TopicDest("news.sport"), "four", true) // offline again
	pub.Close()
	if err := c.Conn().RemoveDurable("d"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	stop(b)

	st, err := leveldb.Open(leveldb.Options{Dir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	conts, err := st.Containers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range conts {
		if ct.Count != 0 {
			t.Errorf("%s still holds %d messages after the subscription was removed", ct.Container, ct.Count)
		}
	}
	for _, m := range sends {
		var left []store.Record
		st.Load(context.Background(), "topic://"+m[0], "", 0, 0, func(r store.Record) bool { left = append(left, r); return true })
		if len(left) != 0 {
			t.Errorf("records left in %s: %d", m[0], len(left))
		}
	}
}
