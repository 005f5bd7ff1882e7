package broker

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
)

// benchDispatch sends b.N messages to a queue with 10 consumers, built by
// mk, and waits until all are consumed: the cost of selectors and groups is
// read against the plain figure.
func benchDispatch(b *testing.B, sel func(i int) string, decorate func(m *Message, i int)) {
	br, _ := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	br.Start(context.Background())
	defer br.Close()
	q := QueueDest("bench")
	const consumers = 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := 0
	done := make(chan struct{})
	c, _ := br.NewClient("")
	for i := 0; i < consumers; i++ {
		s, err := c.Subscribe(SubscribeOptions{Dest: q, Prefetch: 100, Selector: sel(i)}, true)
		if err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := s.Receive(context.Background()); err != nil {
					return
				}
				mu.Lock()
				got++
				if got == b.N {
					close(done)
				}
				mu.Unlock()
			}
		}()
	}
	body := make([]byte, 128)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := &Message{Dest: q, Body: body, Priority: 4}
		decorate(m, i)
		if err := c.Conn().Send(m, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	<-done
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkDispatchPlain10Consumers(b *testing.B) {
	benchDispatch(b, func(int) string { return "" }, func(*Message, int) {})
}

func BenchmarkDispatch10Selectors(b *testing.B) {
	benchDispatch(b, func(i int) string { return "n = " + strconv.Itoa(i) },
		func(m *Message, i int) { m.Props = []Property{{Name: "n", Type: PropInt, I: int64(i % 10)}} })
}

func BenchmarkDispatch1000Groups(b *testing.B) {
	benchDispatch(b, func(int) string { return "" },
		func(m *Message, i int) { m.GroupID = "g" + strconv.Itoa(i%1000); m.GroupSeq = int32(i/1000 + 1) })
}
