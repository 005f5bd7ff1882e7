package auth

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"amq/broker"
	"amq/internal/config"
)

const securityXML = `<beans xmlns="http://www.springframework.org/schema/beans">
<broker xmlns="http://activemq.apache.org/schema/core" brokerName="secure" persistent="false" useJmx="false">
  <plugins>
    <simpleAuthenticationPlugin anonymousAccessAllowed="%s">
      <users>
        <authenticationUser username="admin" password="adminpw" groups="users,admins"/>
        <authenticationUser username="alice" password="alicepw" groups="users"/>
        <authenticationUser username="guest" password="guestpw" groups="guests"/>
      </users>
    </simpleAuthenticationPlugin>
    <authorizationPlugin>
      <map>
        <authorizationMap>
          <authorizationEntries>
            <authorizationEntry queue=">" read="admins" write="admins" admin="admins"/>
            <authorizationEntry queue="USERS.>" read="users" write="users" admin="users"/>
            <authorizationEntry queue="GUEST.>" read="guests" write="guests,users" admin="guests,users"/>
            <authorizationEntry topic=">" read="admins" write="admins" admin="admins"/>
            <authorizationEntry topic="USERS.>" read="users" write="users" admin="users"/>
            <authorizationEntry topic="ActiveMQ.Advisory.>" read="guests,users" write="guests,users" admin="guests,users"/>
          </authorizationEntries>
          <tempDestinationAuthorizationEntry>
            <tempDestinationAuthorizationEntry read="admins,users" write="admins,users" admin="admins,users"/>
          </tempDestinationAuthorizationEntry>
        </authorizationMap>
      </map>
    </authorizationPlugin>
  </plugins>
</broker>
</beans>`

func TestSimpleAuthentication(t *testing.T) {
	for _, anon := range []bool{false, true} {
		cfg := parse(t, fmt.Sprintf(securityXML, fmt.Sprint(anon)), nil, nil)
		a, _, err := FromConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		u, err := a.Authenticate("alice", "alicepw", nil)
		if err != nil || u.Name != "alice" || strings.Join(u.Groups, ",") != "users" {
			t.Fatalf("alice: %+v %v", u, err)
		}
		for _, bad := range [][2]string{{"alice", "s3cr3t!"}, {"alice", ""}, {"mallory", "alicepw"}, {"", "alicepw"}, {"ALICE", "alicepw"}} {
			_, err := a.Authenticate(bad[0], bad[1], nil)
			var ae *AuthError
			if !errors.As(err, &ae) || !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("anonymous=%v %q/%q: %v", anon, bad[0], bad[1], err)
			}
			if err.Error() != "User name ["+bad[0]+"] or password is invalid." {
				t.Fatalf("message %q", err)
			}
			if strings.Contains(ae.Reason, bad[1]) && bad[1] != "" {
				t.Fatalf("reason %q shows the password", ae.Reason)
			}
			if lv := ae.LogValue().String(); !strings.Contains(lv, ae.Reason) || ae.Reason == "" {
				t.Fatalf("log value %q", lv)
			}
		}
		u, err = a.Authenticate("", "", nil)
		if anon {
			if err != nil || u.Name != "anonymous" || strings.Join(u.Groups, ",") != "anonymous" {
				t.Fatalf("anonymous: %+v %v", u, err)
			}
		} else if err == nil {
			t.Fatal("anonymous login accepted")
		}
	}
}

func TestCustomAnonymousUser(t *testing.T) {
	cfg := parse(t, `<broker xmlns="http://activemq.apache.org/schema/core"><plugins>
		<simpleAuthenticationPlugin anonymousAccessAllowed="true" anonymousUser="nobody" anonymousGroup="public"/>
	</plugins></broker>`, nil, nil)
	a, authz, err := FromConfig(cfg)
	if err != nil || authz != nil {
		t.Fatalf("%v %v", authz, err)
	}
	u, err := a.Authenticate("", "", nil)
	if err != nil || u.Name != "nobody" || u.Groups[0] != "public" {
		t.Fatalf("%+v %v", u, err)
	}
}

func TestNoPlugins(t *testing.T) {
	cfg := parse(t, `<broker xmlns="http://activemq.apache.org/schema/core"/>`, nil, nil)
	a, z, err := FromConfig(cfg)
	if err != nil || a != nil || z != nil {
		t.Fatalf("%v %v %v", a, z, err)
	}
}

// TestAuthorizationMatrix runs every operation for users of different
// groups through the real STOMP server.
func TestAuthorizationMatrix(t *testing.T) {
	cfg := parse(t, fmt.Sprintf(securityXML, "true"), nil, nil)
	addr := stompServer(t, cfg, nil)

	type check struct {
		cmd, dest string
		deny      string // "" = allowed; else the ActiveMQ message
	}
	matrix := map[string][]check{
		"admin": {
			{"SEND", "/queue/ORDERS", ""},
			{"SUBSCRIBE", "/queue/ORDERS", ""},
			{"SEND", "/topic/PRICES", ""},
			{"SUBSCRIBE", "/topic/PRICES", ""},
			{"SEND", "/queue/USERS.a", ""},
			{"SUBSCRIBE", "/topic/ActiveMQ.Advisory.Queue", ""},
			{"SEND", "/temp-queue/t1", ""},
			{"SUBSCRIBE", "/temp-topic/t2", ""},
		},
		"alice": {
			{"SEND", "/queue/ORDERS", "User alice is not authorized to write to: queue://ORDERS"},
			{"SUBSCRIBE", "/queue/ORDERS", "User alice is not authorized to read from: queue://ORDERS"},
			{"SEND", "/queue/USERS.a", ""},
			{"SUBSCRIBE", "/queue/USERS.a", ""},
			{"SEND", "/queue/GUEST.x", ""},
			{"SUBSCRIBE", "/queue/GUEST.x", "User alice is not authorized to read from: queue://GUEST.x"},
			{"SEND", "/topic/PRICES", "User alice is not authorized to write to: topic://PRICES"},
			{"SUBSCRIBE", "/topic/PRICES", "User alice is not authorized to read from: topic://PRICES"},
			{"SEND", "/topic/USERS.news", ""},
			{"SUBSCRIBE", "/topic/USERS.news", ""},
			{"SUBSCRIBE", "/topic/ActiveMQ.Advisory.Queue", ""},
			{"SUBSCRIBE", "/topic/ActiveMQ.Advisory.Consumer.Queue.USERS.a", ""},
			{"SEND", "/temp-queue/t1", ""},
			{"SUBSCRIBE", "/temp-queue/t1", ""},
			{"SEND", "/queue/USERS.a,ORDERS", "User alice is not authorized to write to: queue://ORDERS"},
			{"SEND", "/queue/USERS.a,GUEST.b", ""},
			{"SEND", "ORDERS", "User alice is not authorized to write to: queue://ORDERS"},
		},
		"guest": {
			{"SEND", "/queue/GUEST.x", ""},
			{"SUBSCRIBE", "/queue/GUEST.x", ""},
			{"SEND", "/queue/USERS.a", "User guest is not authorized to write to: queue://USERS.a"},
			{"SUBSCRIBE", "/topic/USERS.news", "User guest is not authorized to read from: topic://USERS.news"},
			{"SUBSCRIBE", "/topic/ActiveMQ.Advisory.Topic", ""},
			{"SEND", "/topic/ActiveMQ.Advisory.Topic", ""},
			// Using a temp destination first creates it: that needs admin on tempDestinationAuthorizationEntry.
			{"SEND", "/temp-queue/t1", "User guest is not authorized to create: temp-queue://"},
			{"SUBSCRIBE", "/temp-topic/t2", "User guest is not authorized to create: temp-topic://"},
		},
		"": { // anonymous
			{"SEND", "/queue/GUEST.x", "User anonymous is not authorized to write to: queue://GUEST.x"},
			{"SUBSCRIBE", "/topic/ActiveMQ.Advisory.Queue", "User anonymous is not authorized to read from: topic://ActiveMQ.Advisory.Queue"},
			{"SUBSCRIBE", "/temp-queue/t", "User anonymous is not authorized to create: temp-queue://"},
		},
	}
	passwords := map[string]string{"admin": "adminpw", "alice": "alicepw", "guest": "guestpw", "": ""}
	for user, checks := range matrix {
		t.Run("user="+user, func(t *testing.T) {
			c := dial(t, addr, nil)
			if f := c.connect(user, passwords[user]); f.Command != "CONNECTED" {
				t.Fatalf("CONNECT: %s %v %s", f.Command, f.Headers, f.Body)
			}
			for i, ch := range checks {
				r := fmt.Sprint("r", i)
				if ch.cmd == "SEND" {
					c.send("SEND\ndestination:" + ch.dest + "\nreceipt:" + r + "\n\nbody\x00")
				} else {
					c.send("SUBSCRIBE\nid:" + r + "\ndestination:" + ch.dest + "\nreceipt:" + r + "\n\n\x00")
				}
				f := c.read()
				for f.Command == "MESSAGE" {
					f = c.read()
				}
				if get(f, "receipt-id") != r {
					t.Fatalf("%s %s: answer for %q", ch.cmd, ch.dest, get(f, "receipt-id"))
				}
				switch {
				case ch.deny == "" && f.Command != "RECEIPT":
					t.Errorf("%s %s refused: %s", ch.cmd, ch.dest, get(f, "message"))
				case ch.deny != "" && f.Command != "ERROR":
					t.Errorf("%s %s allowed, want %q", ch.cmd, ch.dest, ch.deny)
				case ch.deny != "" && !strings.HasPrefix(get(f, "message"), ch.deny):
					t.Errorf("%s %s: message %q, want %q", ch.cmd, ch.dest, get(f, "message"), ch.deny)
				}
			}
			// Refusals keep the connection.
			c.send("DISCONNECT\nreceipt:bye\n\n\x00")
			f := c.read()
			for f.Command == "MESSAGE" {
				f = c.read()
			}
			if f.Command != "RECEIPT" || get(f, "receipt-id") != "bye" {
				t.Fatalf("%s %v", f.Command, f.Headers)
			}
		})
	}
}

func TestFailedLoginClosesConnection(t *testing.T) {
	cfg := parse(t, fmt.Sprintf(securityXML, "false"), nil, nil)
	addr := stompServer(t, cfg, nil)
	for _, cred := range [][2]string{{"alice", "nope"}, {"nobody", "x"}, {"", ""}} {
		c := dial(t, addr, nil)
		f := c.connect(cred[0], cred[1])
		if f.Command != "ERROR" || get(f, "message") != "User name ["+cred[0]+"] or password is invalid." {
			t.Fatalf("%q: %s %v", cred, f.Command, f.Headers)
		}
		if strings.Contains(string(f.Body), "nope") {
			t.Fatalf("ERROR body shows the password: %q", f.Body)
		}
		if !c.closed() {
			t.Fatalf("%q: connection left open", cred)
		}
	}
}

// TestAuthorizeDirect covers what the STOMP test cannot reach: OpAdmin
// (creating destinations), users without authentication, group classes.
func TestAuthorizeDirect(t *testing.T) {
	cfg := parse(t, fmt.Sprintf(securityXML, "false"), nil, nil)
	_, z, err := FromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	alice := &broker.User{Name: "alice", Groups: []string{"users"}}
	guest := &broker.User{Name: "guest", Groups: []string{"guests"}}
	admin := &broker.User{Name: "admin", Groups: []string{"users", "admins"}}
	tq := broker.Destination{Kind: broker.TempQueue, Name: "ID:host-1-2-1:1:1"}
	cases := []struct {
		u    *broker.User
		op   broker.Operation
		d    broker.Destination
		want string
	}{
		{alice, broker.OpAdmin, broker.QueueDest("USERS.new"), ""},
		{alice, broker.OpAdmin, broker.QueueDest("NEW"), "User alice is not authorized to create: queue://NEW"},
		{alice, broker.OpAdmin, broker.TopicDest("ActiveMQ.Advisory.Consumer.Queue.X"), ""},
		{guest, broker.OpAdmin, broker.TopicDest("ActiveMQ.Advisory.Producer.Topic.X"), ""},
		{guest, broker.OpAdmin, broker.TopicDest("GUEST.t"), "User guest is not authorized to create: topic://GUEST.t"},
		{guest, broker.OpAdmin, tq, "User guest is not authorized to create: temp-queue://ID:host-1-2-1:1:1"},
		{alice, broker.OpAdmin, tq, ""},
		{admin, broker.OpAdmin, broker.QueueDest("ANYTHING"), ""},
		{admin, broker.OpRead, broker.TopicDest("ActiveMQ.Advisory.Connection"), ""},
		{nil, broker.OpRead, broker.QueueDest("USERS.a"), "User is not authenticated."},
		{alice, broker.OpWrite, broker.Destination{Kind: broker.Queue, Name: "USERS.a,topic://USERS.b"}, ""},
		{alice, broker.OpWrite, broker.Destination{Kind: broker.Queue, Name: "USERS.a,topic://PRICES"}, "User alice is not authorized to write to: topic://PRICES"},
	}
	for _, c := range cases {
		err := z.Authorize(c.u, c.op, c.d)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v %v %v: %v", c.u, c.op, c.d, err)
		case c.want != "" && (err == nil || err.Error() != c.want):
			t.Errorf("%v %v %v: %v, want %q", c.u, c.op, c.d, err, c.want)
		case c.want != "" && !errors.Is(err, ErrNotAuthorized) && !errors.Is(err, ErrNotAuthenticated):
			t.Errorf("%v is not an AuthError sentinel", err)
		}
	}
}

func TestAuthorizationDefaultsAndWildcards(t *testing.T) {
	cfg := parse(t, `<broker xmlns="http://activemq.apache.org/schema/core"><plugins>
	<authorizationPlugin><map><authorizationMap>
	  <authorizationEntries>
	    <authorizationEntry queue="TEST.Q" read="*" write="*" admin="admins"/>
	    <authorizationEntry topic="*.EU" read="eu"/>
	    <authorizationEntry topic="ORDERS.*" read="orders"/>
	  </authorizationEntries>
	  <defaultEntry><authorizationEntry read="admins" write="admins" admin="admins"/></defaultEntry>
	</authorizationMap></map></authorizationPlugin></plugins></broker>`, nil, nil)
	z, err := NewAuthorizer(cfg.Broker.Plugins.Authorization)
	if err != nil {
		t.Fatal(err)
	}
	anyone := &broker.User{Name: "x"}
	eu := &broker.User{Name: "e", Groups: []string{"eu"}}
	orders := &broker.User{Name: "o", Groups: []string{"orders"}}
	admin := &broker.User{Name: "a", Groups: []string{"admins"}}
	ok := func(u *broker.User, op broker.Operation, d broker.Destination, want bool) {
		t.Helper()
		if err := z.Authorize(u, op, d); (err == nil) != want {
			t.Errorf("%s %v %v: %v", u.Name, op, d, err)
		}
	}
	ok(anyone, broker.OpWrite, broker.QueueDest("TEST.Q"), true)
	ok(anyone, broker.OpAdmin, broker.QueueDest("TEST.Q"), false)
	ok(anyone, broker.OpRead, broker.QueueDest("OTHER"), false)
	ok(admin, broker.OpRead, broker.QueueDest("OTHER"), true) // default entry
	// Union of every matching entry: both groups may read ORDERS.EU.
	ok(eu, broker.OpRead, broker.TopicDest("ORDERS.EU"), true)
	ok(orders, broker.OpRead, broker.TopicDest("ORDERS.EU"), true)
	ok(eu, broker.OpRead, broker.TopicDest("ORDERS.US"), false)
	// Temp destinations without a tempDestinationAuthorizationEntry: open.
	ok(anyone, broker.OpAdmin, broker.Destination{Kind: broker.TempTopic, Name: "ID:x:1"}, true)
}

func TestUserPrincipalGroupClass(t *testing.T) {
	cfg := parse(t, `<broker xmlns="http://activemq.apache.org/schema/core"><plugins>
	<authorizationPlugin><map><authorizationMap groupClass="org.apache.activemq.jaas.UserPrincipal">
	  <authorizationEntries><authorizationEntry queue="BOB.>" read="bob" write="bob" admin="bob"/></authorizationEntries>
	</authorizationMap></map></authorizationPlugin></plugins></broker>`, nil, nil)
	z, err := NewAuthorizer(cfg.Broker.Plugins.Authorization)
	if err != nil {
		t.Fatal(err)
	}
	if err := z.Authorize(&broker.User{Name: "bob"}, broker.OpRead, broker.QueueDest("BOB.in")); err != nil {
		t.Fatal(err)
	}
	if err := z.Authorize(&broker.User{Name: "eve", Groups: []string{"bob"}}, broker.OpRead, broker.QueueDest("BOB.in")); err == nil {
		t.Fatal("group named like the user accepted")
	}
}

func TestLDAPAuthorizationRefused(t *testing.T) {
	p := &config.AuthorizationPlugin{MapKind: "cachedLDAPAuthorizationMap"}
	if _, err := NewAuthorizer(p); err == nil || !strings.Contains(err.Error(), "cachedLDAPAuthorizationMap") {
		t.Fatalf("%v", err)
	}
}

func TestAuthorizationWithoutAuthentication(t *testing.T) {
	cfg := parse(t, `<broker xmlns="http://activemq.apache.org/schema/core"><plugins>
	<authorizationPlugin><map><authorizationMap><authorizationEntries>
	  <authorizationEntry queue=">" read="*" write="*" admin="*"/>
	</authorizationEntries></authorizationMap></map></authorizationPlugin></plugins></broker>`, nil, nil)
	a, z, err := FromConfig(cfg)
	if err != nil || a != nil || z == nil {
		t.Fatalf("%v %v %v", a, z, err)
	}
	err = z.Authorize(&broker.User{Name: "claimed", Groups: []string{"admins"}}, broker.OpRead, broker.QueueDest("Q"))
	if !errors.Is(err, ErrNotAuthenticated) || err.Error() != "User is not authenticated." {
		t.Fatalf("%v", err)
	}
}
