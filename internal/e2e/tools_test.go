package e2e

import (
	"encoding/json"
	"testing"
)

// TestProducerConsumerTools runs `amq producer` and `amq consumer` against
// the real binary, with ActiveMQ's option names and the JSON summary.
func TestProducerConsumerTools(t *testing.T) {
	p := startBroker(t, minimalConfig(""), "")
	url := "stomp://" + p.addr("stomp")
	out, err := runAmq(t, nil, "producer", "--brokerUrl", url, "--destination", "queue://TOOLS",
		"--messageCount", "500", "--messageSize", "256", "--parallelThreads", "2", "--persistent", "true", "--json")
	if err != nil {
		t.Fatalf("producer: %v\n%s", err, out)
	}
	var sum struct {
		Messages int     `json:"messages"`
		Rate     float64 `json:"rate"`
		Errors   int     `json:"errors"`
	}
	if err := json.Unmarshal([]byte(lastLine(out)), &sum); err != nil || sum.Messages != 1000 || sum.Errors != 0 {
		t.Fatalf("producer summary %q: %v %+v", out, err, sum)
	}
	out, err = runAmq(t, nil, "consumer", "--brokerUrl", url, "--destination", "queue://TOOLS",
		"--messageCount", "1000", "--ackMode", "CLIENT_ACKNOWLEDGE", "--batchSize", "10", "--receiveTimeout", "5000", "--json")
	if err != nil {
		t.Fatalf("consumer: %v\n%s", err, out)
	}
	if err := json.Unmarshal([]byte(lastLine(out)), &sum); err != nil || sum.Messages != 1000 {
		t.Fatalf("consumer summary %q: %v %+v", out, err, sum)
	}
	// The queue is empty now: a consumer with a receive timeout fails clearly.
	if out, err := runAmq(t, nil, "consumer", "--brokerUrl", url, "--destination", "queue://TOOLS",
		"--messageCount", "1", "--receiveTimeout", "300"); err == nil {
		t.Fatalf("consumer on an empty queue succeeded: %s", out)
	}
}

func lastLine(s string) string {
	end := len(s)
	for end > 0 && (s[end-1] == '\n' || s[end-1] == '\r') {
		end--
	}
	for i := end - 1; i >= 0; i-- {
		if s[i] == '\n' {
			return s[i+1 : end]
		}
	}
	return s[:end]
}
