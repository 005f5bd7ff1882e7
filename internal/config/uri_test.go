package config

import (
	"slices"
	"testing"
)

func TestConnectorURI(t *testing.T) {
	u, err := ParseConnectorURI("stomp+nio+ssl://0.0.0.0:61613?maximumConnections=1000&wireFormat.maxFrameSize=104857600&transport.hbGracePeriodMultiplier=1.5")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "scheme", u.Scheme, "stomp+nio+ssl")
	if !slices.Equal(u.Protocols(), []string{"stomp", "nio", "ssl"}) {
		t.Errorf("protocols = %v", u.Protocols())
	}
	eq(t, "host", u.Host, "0.0.0.0")
	eq(t, "port", u.Port, 61613)
	eq(t, "has port", u.HasPort, true)
	eq(t, "wire", u.WireProtocol(), "stomp")
	eq(t, "tls", u.TLS(), true)
	eq(t, "nio", u.NIO(), true)
	n, err := u.OptionInt("maximumConnections", 0)
	eq(t, "maximumConnections", n, 1000)
	eq(t, "err", err, nil)
	f, _ := u.OptionSize("wireFormat.maxFrameSize", 0)
	eq(t, "maxFrameSize", f, int64(104857600))
	g, _ := u.OptionFloat("transport.hbGracePeriodMultiplier", 1)
	eq(t, "grace", g, 1.5)
	d, _ := u.OptionInt("missing", 42)
	eq(t, "default", d, 42)
	eq(t, "string default", u.OptionString("missing", "x"), "x")
	wf := u.OptionsWithPrefix("wireFormat.")
	eq(t, "wireFormat.", wf["maxFrameSize"], "104857600")
	if !slices.Equal(u.OptionNames(), []string{"maximumConnections", "transport.hbGracePeriodMultiplier", "wireFormat.maxFrameSize"}) {
		t.Errorf("names = %v", u.OptionNames())
	}
	eq(t, "addr", u.Addr(), "0.0.0.0:61613")
	eq(t, "string", u.String(), u.Raw)

	u, _ = ParseConnectorURI("tcp://[::1]:61616?wireFormat.maxInactivityDuration=0")
	eq(t, "ipv6 host", u.Host, "::1")
	eq(t, "ipv6 addr", u.Addr(), "[::1]:61616")
	eq(t, "openwire", u.WireProtocol(), "openwire")
	eq(t, "plain tcp tls", u.TLS(), false)

	u, _ = ParseConnectorURI("ws://localhost:61614/")
	eq(t, "ws path", u.Path, "/")
	u, _ = ParseConnectorURI("vm://localhost")
	eq(t, "vm host", u.Host, "localhost")
	eq(t, "vm no port", u.HasPort, false)
	u, _ = ParseConnectorURI("vm:broker:(tcp://localhost:61616)?persistent=false")
	eq(t, "opaque path", u.Path, "broker:(tcp://localhost:61616)")
	eq(t, "opaque option", u.Options["persistent"], "false")
	u, _ = ParseConnectorURI("tcp://h:1?a=x%20y&b=1+2&flag")
	eq(t, "decoded", u.Options["a"], "x y")
	eq(t, "plus", u.Options["b"], "1 2")
	eq(t, "bare flag", u.Options["flag"], "")

	u, err = ParseConnectorURI("static:(tcp://a:61616,tcp://b:61616?x=1)?maxReconnectDelay=5000")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "composite", u.Composite, true)
	eq(t, "components", len(u.Components), 2)
	eq(t, "a", u.Components[0].Host, "a")
	eq(t, "b opt", u.Components[1].Options["x"], "1")
	eq(t, "outer", u.Options["maxReconnectDelay"], "5000")
	_, hasX := u.Options["x"]
	eq(t, "inner option not outer", hasX, false)

	u, _ = ParseConnectorURI("failover:(tcp://a:61616,ssl://b:61617)?randomize=false&initialReconnectDelay=100")
	eq(t, "failover", u.Scheme, "failover")
	eq(t, "failover ssl", u.Components[1].TLS(), true)
	r, _ := u.OptionBool("randomize", true)
	eq(t, "randomize", r, false)
	u, _ = ParseConnectorURI("failover://(tcp://a:61616)")
	eq(t, "failover //", len(u.Components), 1)
	u, _ = ParseConnectorURI("static:tcp://a:61616")
	eq(t, "unparenthesised", u.Components[0].Port, 61616)
	u, _ = ParseConnectorURI("static:(failover:(tcp://a:1,tcp://b:2),tcp://c:3)")
	eq(t, "nested", len(u.Components), 2)
	eq(t, "nested inner", len(u.Components[0].Components), 2)
	u, _ = ParseConnectorURI("multicast://default")
	eq(t, "multicast host", u.Host, "default")
	eq(t, "multicast port", u.HasPort, false)
	u, _ = ParseConnectorURI("multicast://239.255.2.3:6155?group=prod")
	eq(t, "multicast group port", u.Port, 6155)
	u, _ = ParseConnectorURI("discovery:(multicast://default)?initialReconnectDelay=100")
	eq(t, "discovery", u.Components[0].Scheme, "multicast")

	for _, bad := range []string{"", "noscheme", "tcp://h:port", "tcp://h:70000", "tcp://h:-1", "static:(tcp://a:1",
		"static:()", "static:(tcp://a:1)x", "tcp://[::1:61616", "tcp://h:1?a=%zz", "tc p://h:1", ":foo"} {
		if _, err := ParseConnectorURI(bad); err == nil {
			t.Errorf("ParseConnectorURI(%q) should fail", bad)
		}
	}
	u, _ = ParseConnectorURI("tcp://h:1?n=abc&b=yes")
	if _, err := u.OptionInt("n", 0); err == nil {
		t.Errorf("OptionInt(abc) should fail")
	}
	if _, err := u.OptionBool("b", false); err == nil {
		t.Errorf("OptionBool(yes) should fail")
	}
}
