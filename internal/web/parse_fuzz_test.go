package web

import "testing"

// FuzzObjectNames: MBean names and Jolokia paths from a request never panic
// the parsers.
func FuzzObjectNames(f *testing.F) {
	for _, s := range []string{
		"org.apache.activemq:type=Broker,brokerName=localhost",
		"org.apache.activemq:type=Broker,brokerName=*,destinationType=Queue,destinationName=*",
		`org.apache.activemq:type=Broker,brokerName=b,destinationType=Queue,destinationName="a,b"`,
		"read/org.apache.activemq:type=Broker,brokerName=b/QueueSize",
		"exec/org.apache.activemq:type=Broker,brokerName=b,destinationType=Queue,destinationName=X/purge()",
		"search/org.apache.activemq:*", "version", "", ":", "a:b", "a:=,", "read/!/x!//y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parseObjectName(s)
		parseJolokiaPath(s)
		parseTarget(s)
	})
}
