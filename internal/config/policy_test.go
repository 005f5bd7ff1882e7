package config

import (
	"testing"
)

func TestMatchDestination(t *testing.T) {
	cases := []struct {
		pattern, name string
		want          bool
	}{
		{">", "A", true},
		{">", "A.B.C", true},
		{"A.>", "A", true}, // ActiveMQ: FOO.> also matches FOO
		{"A.>", "A.B", true},
		{"A.>", "A.B.C", true},
		{"A.>", "AB", false},
		{"A.>", "B.A", false},
		{"A.>.>", "A.B", true},
		{"A.*", "A.B", true},
		{"A.*", "A", false},
		{"A.*", "A.B.C", false},
		{"*", "A", true},
		{"*", "A.B", false},
		{"*.B", "A.B", true},
		{"*.B", "A.C", false},
		{"A.*.C", "A.B.C", true},
		{"A.*.>", "A.B", true},
		{"A.*.>", "A.B.C.D", true},
		{"A.*.>", "A", false},
		{"A.>.C", "A.B.C", false}, // '>' only counts as the last segment
		{"A.>.C", "A.>.C", true},
		{"ORDERS", "ORDERS", true},
		{"ORDERS", "orders", false},
		{"A,B.>", "B.X", true},
		{"A,B.>", "A", true},
		{"A,B.>", "C", false},
	}
	for _, c := range cases {
		if got := MatchDestination(c.pattern, c.name); got != c.want {
			t.Errorf("MatchDestination(%q, %q) = %v, want %v", c.pattern, c.name, got, c.want)
		}
	}
}

func TestPolicyForPrecedence(t *testing.T) {
	cfg, _ := mustLoad(t, corpus("policies.xml"), testOpts())
	// policies.xml has queue entries >, ORDERS.>, ORDERS.*, ORDERS.EU, *.EU
	// and ORDERS.1 (queuePrefetch 100, 1, 5, 7, 9, 11) and a default (42).
	cases := []struct {
		name string
		want int
		why  string
	}{
		{"ORDERS.EU", 7, "an exact name beats every pattern"},
		{"ORDERS.1", 11, "exact, even where Java string order would put ORDERS.> first"},
		{"ORDERS.US", 5, "ORDERS.* and ORDERS.> cover each other in ActiveMQ's eyes; the narrower ORDERS.* wins"},
		{"ORDERS", 1, "ORDERS.> also matches ORDERS and is narrower than >"},
		{"ORDERS.X.Y", 1, "only > and ORDERS.> match"},
		{"FOO.EU", 9, "*.EU is narrower than >"},
		{"FOO", 100, "only > matches"},
	}
	for _, c := range cases {
		p := cfg.PolicyFor("queue", c.name)
		if p == nil || p.QueuePrefetch != c.want {
			t.Errorf("PolicyFor(queue, %s) = %+v, want queuePrefetch %d: %s", c.name, p, c.want, c.why)
		}
	}
	eq(t, "topic default entry", cfg.PolicyFor("queue", "FOO").Destination, ">")

	m := &PolicyMap{
		Entries: []*PolicyEntry{
			{Kind: Queue, Destination: "ORDERS.*", QueuePrefetch: 1},
			{Kind: Queue, Destination: "*.EU", QueuePrefetch: 2},
			{Kind: Queue, Destination: "FOO.>", QueuePrefetch: 3},
			{Kind: Queue, Destination: "FOO.BAR.>", QueuePrefetch: 4},
			{Kind: Queue, Destination: "FOO.*.>", QueuePrefetch: 5},
			{Kind: Queue, Destination: "X.>", QueuePrefetch: 6},
			{Kind: Queue, Destination: "*.Y", QueuePrefetch: 7},
			{Kind: Topic, Destination: "T.>", TopicPrefetch: 8},
		},
		Default: &PolicyEntry{QueuePrefetch: 99},
	}
	for _, c := range []struct {
		kind DestinationKind
		name string
		want int
		why  string
	}{
		{Queue, "ORDERS.EU", 2, "neither covers the other: Java string order, '*' (0x2A) before 'O'"},
		{Queue, "FOO.BAZ.Q", 5, "FOO.*.> and FOO.> cover each other in ActiveMQ's eyes; '*' is narrower than '>'"},
		{Queue, "FOO.BAR.Q", 4, "FOO.BAR.> and FOO.*.> cover each other; the literal BAR is narrower than '*'"},
		{Queue, "FOO", 3, "FOO.> matches FOO; FOO.*.> does not"},
		{Queue, "X.Y", 7, "neither covers the other: '*' sorts before 'X'"},
		{Queue, "NONE", 99, "the default entry"},
		{Topic, "ORDERS.EU", 0, "queue entries never apply to topics; the topic default is the same default entry"},
	} {
		p := m.EntryFor(c.kind, c.name)
		got := p.QueuePrefetch
		if c.kind == Topic {
			got = p.TopicPrefetch
		}
		if c.kind == Topic && p != m.Default {
			t.Errorf("EntryFor(topic, %s) = %+v, want the default", c.name, p)
		}
		if c.kind == Queue && got != c.want {
			t.Errorf("EntryFor(%s, %s) = %d, want %d: %s", c.kind, c.name, got, c.want, c.why)
		}
	}
	eq(t, "topic", m.EntryFor(Topic, "T").TopicPrefetch, 8)
	var nilMap *PolicyMap
	eq(t, "nil map", nilMap.EntryFor(Queue, "A") == nil, true)
	m.Default = nil
	eq(t, "no match, no default", m.EntryFor(Queue, "NONE") == nil, true)
	eq(t, "kinds", (&Config{}).PolicyFor("queue", "A") == nil, true)
	for in, want := range map[string]DestinationKind{"Queue": Queue, "TOPIC": Topic, "temp-queue": TempQueue, "temp_topic": TempTopic, "tempQueue": TempQueue} {
		got, ok := ParseDestinationKind(in)
		if !ok || got != want {
			t.Errorf("ParseDestinationKind(%q) = %v, %v", in, got, ok)
		}
	}
}

func TestCompareEntriesJavaOrder(t *testing.T) {
	// UTF-16 order, not UTF-8 byte order: U+FF21 sorts after U+1F600's
	// surrogates in UTF-16 but before it in UTF-8.
	if javaCompare("\uff21", "\U0001f600") <= 0 {
		t.Errorf("javaCompare does not follow UTF-16 order")
	}
	if compareEntries("A.B", "A.B", ">") >= 0 || compareEntries("A.B", ">", "A.B") <= 0 {
		t.Errorf("exact match must sort first")
	}
	if compareEntries("Q", ">", ">") != 0 {
		t.Errorf("identical patterns compare equal")
	}
	// The comparator is antisymmetric where ActiveMQ's is not.
	for _, p := range [][2]string{{"ORDERS.*", "ORDERS.>"}, {"FOO.>", "FOO.*.>"}, {"FOO.BAR.>", "FOO.*.>"}, {">", "A.>"}, {"*.EU", "ORDERS.*"}} {
		ab, ba := compareEntries("Z", p[0], p[1]), compareEntries("Z", p[1], p[0])
		if ab == 0 || (ab < 0) == (ba < 0) {
			t.Errorf("compareEntries(%q, %q) = %d and reversed %d", p[0], p[1], ab, ba)
		}
	}
}
