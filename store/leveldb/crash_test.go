package leveldb

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"amq/store"
)

var long = flag.Bool("long", false, "run long crash tests")

const crashEnv = "AMQ_LEVELDB_CRASH_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashChild(dir)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const (
	crashQueue = "queue://crash"
	crashTopic = "topic://crash"
	crashSegSz = 96 << 10
)

var crashSubs = []store.SubInfo{
	{Key: "c:s1", ClientID: "c", Name: "s1", Topic: crashTopic},
	{Key: "c:s2", ClientID: "c", Name: "s2", Topic: crashTopic},
}

// crashData is the payload of seq: its length and content follow from seq.
func crashData(seq uint64) []byte {
	n := int(seq*7919) % 3000
	b := make([]byte, 0, n+24)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, ':')
	for len(b) < n {
		b = append(b, byte('a'+(seq+uint64(len(b)))%26))
	}
	return b
}

// crashChild applies batches until it is killed, printing a line once each
// Apply completed: "A c seq..." for adds to container c (q or t), "k c seq"
// before an ack is applied and "K c seq" once it completed. Topic acks are
// by subscription s1 only.
func crashChild(dir string) {
	s, err := Open(Options{Dir: dir, SegmentSize: crashSegSz, Logger: quietLogger()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	var outMu sync.Mutex
	emit := func(line string) {
		outMu.Lock()
		os.Stdout.WriteString(line + "\n")
		outMu.Unlock()
	}
	if _, err := store.ApplySync(s, []store.Op{{Kind: store.OpAddSub, Sub: crashSubs[0]}, {Kind: store.OpAddSub, Sub: crashSubs[1]}}); err != nil {
		fmt.Fprintln(os.Stderr, "apply:", err)
		os.Exit(2)
	}
	var next atomic.Uint64
	next.Store(s.LastSeq())
	emit("R")
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewSource(time.Now().UnixNano() + int64(w)))
			type added struct {
				c   string
				seq uint64
			}
			var mine []added
			for {
				if len(mine) > 0 && r.Intn(3) == 0 {
					i := r.Intn(len(mine))
					a := mine[i]
					mine = append(mine[:i], mine[i+1:]...)
					op := store.Op{Kind: store.OpAck, Ack: store.AckRef{Container: crashQueue, Seq: a.seq}}
					tag := "q"
					if a.c == crashTopic {
						op.Ack = store.AckRef{Container: crashTopic, Seq: a.seq, Sub: crashSubs[0].Key}
						tag = "t"
					}
					emit(fmt.Sprintf("k %s %d", tag, a.seq))
					// Half the acks are lazy, as the broker's are: a killed
					// process must still keep every one that completed.
					ch := make(chan error, 1)
					done := func(_ store.Position, err error) { ch <- err }
					if r.Intn(2) == 0 {
						s.ApplyLazy([]store.Op{op}, done)
					} else {
						s.Apply([]store.Op{op}, done)
					}
					if err := <-ch; err != nil {
						fmt.Fprintln(os.Stderr, "apply:", err)
						os.Exit(2)
					}
					emit(fmt.Sprintf("K %s %d", tag, a.seq))
					continue
				}
				c, tag := crashQueue, "q"
				var subs []string
				if r.Intn(3) == 0 {
					c, tag, subs = crashTopic, "t", []string{crashSubs[0].Key, crashSubs[1].Key}
				}
				n := 1 + r.Intn(4)
				ops := make([]store.Op, n)
				line := "A " + tag
				for i := range ops {
					seq := next.Add(1)
					ops[i] = store.Op{Kind: store.OpAdd, Record: store.Record{Container: c, Seq: seq, Priority: uint8(seq % 10), Data: crashData(seq), Subs: subs}}
					line += " " + strconv.FormatUint(seq, 10)
				}
				if _, err := store.ApplySync(s, ops); err != nil {
					fmt.Fprintln(os.Stderr, "apply:", err)
					os.Exit(2)
				}
				emit(line)
				for _, op := range ops {
					mine = append(mine, added{c, op.Record.Seq})
				}
			}
		}(w)
	}
	wg.Wait()
}

type crashModel struct {
	added   map[string]map[uint64]bool // completed adds by tag
	intent  map[string]map[uint64]bool // acks issued, maybe durable
	acked   map[string]map[uint64]bool // acks completed
	maxSeq  uint64
	applies int
}

func (m *crashModel) feed(line string) {
	f := strings.Fields(line)
	if len(f) < 3 {
		return
	}
	tag := f[1]
	for _, x := range f[2:] {
		seq, err := strconv.ParseUint(x, 10, 64)
		if err != nil {
			return
		}
		switch f[0] {
		case "A":
			m.added[tag][seq] = true
			m.maxSeq = max(m.maxSeq, seq)
		case "k":
			m.intent[tag][seq] = true
		case "K":
			m.acked[tag][seq] = true
		}
	}
	m.applies++
}

func (m *crashModel) verify(t *testing.T, s *Store) {
	t.Helper()
	load := func(c, sub string) map[uint64]bool {
		got := map[uint64]bool{}
		err := s.Load(context.Background(), c, sub, 0, 0, func(r store.Record) bool {
			if !bytes.Equal(r.Data, crashData(r.Seq)) {
				t.Errorf("%s seq %d: data corrupted", c, r.Seq)
			}
			if r.Priority != uint8(r.Seq%10) {
				t.Errorf("%s seq %d: priority %d", c, r.Seq, r.Priority)
			}
			got[r.Seq] = true
			return true
		})
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		return got
	}
	q := load(crashQueue, "")
	t1 := load(crashTopic, crashSubs[0].Key)
	t2 := load(crashTopic, crashSubs[1].Key)
	for seq := range m.added["q"] {
		if !q[seq] && !m.intent["q"][seq] {
			t.Fatalf("queue seq %d was reported durable and is gone", seq)
		}
	}
	for seq := range m.acked["q"] {
		if q[seq] {
			t.Fatalf("queue seq %d was reported acked and is back", seq)
		}
	}
	for seq := range m.added["t"] {
		if !t2[seq] {
			t.Fatalf("topic seq %d was reported durable and is gone for s2", seq)
		}
		if !t1[seq] && !m.intent["t"][seq] {
			t.Fatalf("topic seq %d was reported durable and is gone for s1", seq)
		}
	}
	for seq := range m.acked["t"] {
		if t1[seq] {
			t.Fatalf("topic seq %d was reported acked by s1 and is back", seq)
		}
	}
	if s.LastSeq() < m.maxSeq {
		t.Fatalf("LastSeq %d below reported seq %d", s.LastSeq(), m.maxSeq)
	}
}

// TestCrashRecovery kills a child process that is applying batches at random
// moments and checks that every Apply it reported complete survived.
func TestCrashRecovery(t *testing.T) {
	rounds := 5
	if *long {
		rounds = 100
	}
	if v := os.Getenv("AMQ_CRASH_ROUNDS"); v != "" {
		rounds, _ = strconv.Atoi(v)
	}
	if testing.Short() {
		rounds = 2
	}
	dir := t.TempDir()
	m := &crashModel{
		added:  map[string]map[uint64]bool{"q": {}, "t": {}},
		intent: map[string]map[uint64]bool{"q": {}, "t": {}},
		acked:  map[string]map[uint64]bool{"q": {}, "t": {}},
	}
	rnd := rand.New(rand.NewSource(time.Now().UnixNano()))
	var lastPos store.Position
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready := make(chan struct{})
		var lines []string
		readDone := make(chan struct{})
		go func() {
			defer close(readDone)
			br := bufio.NewReader(out)
			first := true
			for {
				l, err := br.ReadString('\n')
				if err != nil {
					break // a line cut by the kill has no newline and is dropped
				}
				if first {
					close(ready)
					first = false
					continue
				}
				lines = append(lines, strings.TrimSuffix(l, "\n"))
			}
			if first {
				close(ready)
			}
		}()
		select {
		case <-ready:
		case <-time.After(30 * time.Second):
			t.Fatal("child did not start")
		}
		time.Sleep(time.Duration(20+rnd.Intn(250)) * time.Millisecond)
		cmd.Process.Kill()
		<-readDone
		cmd.Wait()
		if stderr.Len() > 0 {
			t.Fatalf("child stderr: %s", stderr.String())
		}
		n := 0
		for _, l := range lines {
			m.feed(l)
			n++
		}
		s, err := Open(Options{Dir: dir, SegmentSize: crashSegSz, Logger: quietLogger()})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		m.verify(t, s)
		if s.Position() < lastPos {
			t.Fatalf("position went back from %d to %d", lastPos, s.Position())
		}
		lastPos = s.Position()
		s.Close()
		t.Logf("round %d: %d completed applies reported, %d segments", round, n, len(segFiles(t, dir)))
	}
	if m.applies == 0 {
		t.Fatal("the child never completed an Apply")
	}
}
