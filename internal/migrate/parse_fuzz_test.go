package migrate

import "testing"

// FuzzDiscovery: advisory bodies and console feeds from the source broker
// never panic the parsers.
func FuzzDiscovery(f *testing.F) {
	f.Add([]byte(`{"DestinationInfo":{"commandId":0,"responseRequired":false,"destination":{"@class":"ActiveMQQueue","string":"ORDERS","null":""},"operationType":0,"timeout":0}}`))
	f.Add([]byte(`{"type":"Queue","operation":"add","destination":"/queue/ORDERS"}`))
	f.Add([]byte(`<queues><queue name="X"><stats size="3" consumerCount="0" enqueueCount="3" dequeueCount="0"/></queue></queues>`))
	f.Add([]byte(`{"DestinationInfo":{"destination":{"physicalName":"A"},"operationType":1}}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, body []byte) {
		parseAdvisory(body)
		parseAdminQueues(body)
		parseSelection(string(body))
	})
}
