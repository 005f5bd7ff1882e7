package server

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"amq/broker"
	"amq/internal/config"
)

// gcInactiveDestinations in activemq.xml removes an idle queue.
func TestGCInactiveFromConfig(t *testing.T) {
	dir := t.TempDir()
	xml := `<beans xmlns="http://www.springframework.org/schema/beans">
<broker xmlns="http://activemq.apache.org/schema/core" brokerName="gc" persistent="false" schedulePeriodForDestinationPurge="50">
  <destinationPolicy><policyMap><policyEntries>
    <policyEntry queue=">" gcInactiveDestinations="true" inactiveTimoutBeforeGC="100"/>
  </policyEntries></policyMap></destinationPolicy>
  <destinations><queue physicalName="IDLE"/></destinations>
</broker></beans>`
	cfg, _, err := config.Parse(dir+"/activemq.xml", []byte(xml), config.Options{Base: dir, Data: dir + "/data"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deadline := time.Now().Add(3 * time.Second)
	for {
		if _, ok := s.Broker().QueueStats(broker.QueueDest("IDLE")); !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("idle queue not removed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
