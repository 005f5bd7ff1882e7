package broker

import (
	"container/heap"
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"amq/store"
)

// Message properties that schedule delivery (schedulerSupport="true").
const (
	ScheduledDelay  = "AMQ_SCHEDULED_DELAY"  // ms before the first delivery
	ScheduledPeriod = "AMQ_SCHEDULED_PERIOD" // ms between repeats
	ScheduledRepeat = "AMQ_SCHEDULED_REPEAT" // further deliveries after the first
	ScheduledCron   = "AMQ_SCHEDULED_CRON"   // 5-field cron expression
	ScheduledJobID  = "scheduledJobId"       // set on every delivered copy

	// schedulerContainer is the store container holding pending jobs.
	schedulerContainer = "scheduler://jobs"
	// propNextRun keeps a job's next run across restarts.
	propNextRun = "amq.scheduler.next"
)

// ScheduledJob describes a pending scheduled message for management.
type ScheduledJob struct {
	ID        string
	Dest      Destination
	MessageID string
	Next      time.Time
	Period    time.Duration
	Repeat    int // remaining repeats; -1 forever
	Cron      string
	Start     time.Time
}

type job struct {
	id     string
	seq    uint64
	stored bool
	msg    *Message
	next   time.Time
	period time.Duration
	repeat int
	cron   cron.Schedule
	expr   string
	index  int
}

type jobHeap []*job

func (h jobHeap) Len() int           { return len(h) }
func (h jobHeap) Less(i, j int) bool { return h[i].next.Before(h[j].next) }
func (h jobHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *jobHeap) Push(x any)        { j := x.(*job); j.index = len(*h); *h = append(*h, j) }
func (h *jobHeap) Pop() any {
	old := *h
	j := old[len(old)-1]
	*h = old[:len(old)-1]
	j.index = -1
	return j
}

// scheduler holds delayed and repeating messages until they are due.
type scheduler struct {
	b    *Broker
	mu   sync.Mutex
	jobs map[string]*job
	h    jobHeap
	wake chan struct{}
	seq  uint64
}

func newScheduler(b *Broker) *scheduler {
	return &scheduler{b: b, jobs: map[string]*job{}, wake: make(chan struct{}, 1)}
}

// wantsSchedule reports whether m asks for scheduled delivery.
func wantsSchedule(m *Message) bool {
	for i := range m.Props {
		switch m.Props[i].Name {
		case ScheduledDelay, ScheduledPeriod, ScheduledRepeat, ScheduledCron:
			return true
		}
	}
	return false
}

func propInt(m *Message, name string) (int64, bool, error) {
	p, ok := m.Prop(name)
	if !ok {
		return 0, false, nil
	}
	switch p.Type {
	case PropString:
		v, err := strconv.ParseInt(p.S, 10, 64)
		if err != nil {
			return 0, true, fmt.Errorf("%s=%q is not a number", name, p.S)
		}
		return v, true, nil
	case PropByte, PropShort, PropInt, PropLong:
		return p.I, true, nil
	case PropFloat, PropDouble:
		return int64(p.F), true, nil
	}
	return 0, true, fmt.Errorf("%s has a non-numeric type", name)
}

// newJob builds a job from a message's scheduling properties.
func (s *scheduler) newJob(m *Message, now time.Time) (*job, error) {
	delay, _, err := propInt(m, ScheduledDelay)
	if err != nil {
		return nil, err
	}
	period, _, err := propInt(m, ScheduledPeriod)
	if err != nil {
		return nil, err
	}
	repeat, _, err := propInt(m, ScheduledRepeat)
	if err != nil {
		return nil, err
	}
	j := &job{msg: m, period: time.Duration(period) * time.Millisecond, repeat: int(repeat)}
	if p, ok := m.Prop(ScheduledCron); ok && p.String() != "" {
		j.expr = p.String()
		sch, err := cron.ParseStandard(j.expr)
		if err != nil {
			return nil, fmt.Errorf("%s=%q: %w", ScheduledCron, j.expr, err)
		}
		j.cron = sch
	}
	if next, ok, _ := propInt(m, propNextRun); ok {
		j.next = time.UnixMilli(next)
	} else if j.cron != nil && delay == 0 {
		j.next = j.cron.Next(now)
	} else {
		j.next = now.Add(time.Duration(delay) * time.Millisecond)
	}
	if j.cron != nil && j.repeat == 0 {
		j.repeat = -1 // a cron job runs until removed
	}
	return j, nil
}

// schedule takes a message sent with scheduling properties; done runs once
// the job is durable.
func (s *scheduler) schedule(m *Message, done func(error)) error {
	j, err := s.newJob(m, time.Now())
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.seq++
	j.id = s.b.idPrefix + ":sched:" + strconv.FormatUint(s.seq, 10)
	s.mu.Unlock()
	j.seq = s.b.nextSeq()
	var ops []store.Op
	if m.Persistent {
		j.stored = true
		ops = append(ops, s.jobOp(j))
	}
	s.b.applyThen(ops, func(err error) {
		if err == nil {
			s.add(j)
		}
		if done != nil {
			done(err)
		}
	})
	return nil
}

func (s *scheduler) jobOp(j *job) store.Op {
	m := j.msg.Clone()
	m.SetProp(Property{Name: propNextRun, Type: PropLong, I: j.next.UnixMilli()})
	m.SetProp(Property{Name: ScheduledRepeat, Type: PropLong, I: int64(j.repeat)})
	m.SetProp(StringProp(ScheduledJobID, j.id))
	return store.Op{Kind: store.OpAdd, Record: store.Record{Container: schedulerContainer, Seq: j.seq, Priority: m.Priority, Data: MarshalMessage(nil, m)}}
}

func (s *scheduler) add(j *job) {
	s.mu.Lock()
	s.jobs[j.id] = j
	heap.Push(&s.h, j)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run fires due jobs until quit closes.
func (s *scheduler) run(quit <-chan struct{}) {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		s.mu.Lock()
		wait := time.Hour
		if len(s.h) > 0 {
			wait = time.Until(s.h[0].next)
		}
		s.mu.Unlock()
		if wait <= 0 {
			s.fireDue()
			continue
		}
		t.Reset(wait)
		select {
		case <-quit:
			return
		case <-s.wake:
			if !t.Stop() {
				<-t.C
			}
		case <-t.C:
		}
	}
}

func (s *scheduler) fireDue() {
	now := time.Now()
	for {
		s.mu.Lock()
		if len(s.h) == 0 || s.h[0].next.After(now) {
			s.mu.Unlock()
			return
		}
		j := heap.Pop(&s.h).(*job)
		delete(s.jobs, j.id)
		s.mu.Unlock()
		s.fire(j, now)
	}
}

// fire delivers one copy of j's message and re-arms or retires the job, in
// one store batch so a crash neither loses nor repeats a run.
func (s *scheduler) fire(j *job, now time.Time) {
	b := s.b
	m := j.msg.Clone()
	for _, n := range []string{ScheduledDelay, ScheduledPeriod, ScheduledRepeat, ScheduledCron, propNextRun} {
		m.DelProp(n)
	}
	m.SetProp(StringProp(ScheduledJobID, j.id))
	m.ID = b.idPrefix + ":0:0:sched:" + strconv.FormatUint(b.nextSeq(), 10)
	m.Timestamp = now.UnixMilli()
	var p plan
	if err := b.route(m, &p); err != nil {
		b.log.Warn("scheduled message not delivered", "job", j.id, "destination", m.Dest.String(), "err", err)
	}
	again := j.repeat != 0
	if again {
		if j.repeat > 0 {
			j.repeat--
		}
		switch {
		case j.cron != nil && (j.period == 0 || j.repeat == 0):
			j.next = j.cron.Next(now)
		case j.period > 0:
			j.next = now.Add(j.period)
		default:
			again = j.cron != nil
			if again {
				j.next = j.cron.Next(now)
			}
		}
	}
	if j.stored {
		p.ops = append(p.ops, store.Op{Kind: store.OpAck, Ack: store.AckRef{Container: schedulerContainer, Seq: j.seq}})
		if again {
			j.seq = b.nextSeq()
			p.ops = append(p.ops, s.jobOp(j))
		}
	}
	b.applyThen(p.ops, func(err error) {
		if err != nil {
			p.abort()
			return
		}
		p.commit()
		if again {
			s.add(j)
		}
	})
}

// recover reloads persistent jobs.
func (s *scheduler) recover(ctx context.Context) (int, error) {
	n := 0
	var derr error
	err := s.b.store.Load(ctx, schedulerContainer, "", 0, 0, func(r store.Record) bool {
		m, err := UnmarshalMessage(r.Data)
		if err != nil {
			derr = err
			return false
		}
		j, err := s.newJob(m, time.Now())
		if err != nil {
			s.b.log.Warn("dropping unreadable scheduled job", "seq", r.Seq, "err", err)
			return true
		}
		if p, ok := m.Prop(ScheduledJobID); ok {
			j.id = p.S
		}
		j.seq, j.stored = r.Seq, true
		s.add(j)
		n++
		return true
	})
	if err == nil {
		err = derr
	}
	return n, err
}

// Jobs lists pending scheduled messages by next run.
func (s *scheduler) list() []ScheduledJob {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ScheduledJob, 0, len(s.jobs))
	for _, j := range s.jobs {
		out = append(out, ScheduledJob{ID: j.id, Dest: j.msg.Dest, MessageID: j.msg.ID, Next: j.next,
			Period: j.period, Repeat: j.repeat, Cron: j.expr, Start: time.UnixMilli(j.msg.Timestamp)})
	}
	sort.Slice(out, func(a, c int) bool { return out[a].Next.Before(out[c].Next) })
	return out
}

func (s *scheduler) remove(id string) bool {
	s.mu.Lock()
	j := s.jobs[id]
	if j != nil {
		delete(s.jobs, id)
		if j.index >= 0 {
			heap.Remove(&s.h, j.index)
		}
	}
	s.mu.Unlock()
	if j == nil {
		return false
	}
	if j.stored {
		s.b.applyThen([]store.Op{{Kind: store.OpAck, Ack: store.AckRef{Container: schedulerContainer, Seq: j.seq}}}, nil)
	}
	return true
}

// ScheduledJobs lists the scheduled messages waiting for delivery.
func (b *Broker) ScheduledJobs() []ScheduledJob { return b.sched.list() }

// RemoveScheduledJob cancels a scheduled message.
func (b *Broker) RemoveScheduledJob(id string) bool { return b.sched.remove(id) }
