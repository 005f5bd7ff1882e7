package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"amq/broker"
	"amq/internal/config"
)

const asfHeader = `## ---------------------------------------------------------------------------
## Licensed to the Apache Software Foundation (ASF) under one or more
## contributor license agreements.  See the NOTICE file distributed with
## this work for additional information regarding copyright ownership.
## ---------------------------------------------------------------------------
`

// The files as ActiveMQ 5.17 ships them in conf/ (login.config names the
// "activemq" entry; users.properties and groups.properties beside it).
const shippedLoginConfig = `/**
 * Licensed to the Apache Software Foundation (ASF) under one or more
 * contributor license agreements.  See the NOTICE file distributed with
 * this work for additional information regarding copyright ownership.
 */
activemq {
    org.apache.activemq.jaas.PropertiesLoginModule required
        org.apache.activemq.jaas.properties.user="users.properties"
        org.apache.activemq.jaas.properties.group="groups.properties";
};
`

const jaasXML = `<beans xmlns="http://www.springframework.org/schema/beans">
<broker xmlns="http://activemq.apache.org/schema/core" brokerName="jaas" persistent="false">
    <plugins>
        <jaasAuthenticationPlugin configuration="activemq"/>
        <authorizationPlugin>
            <map>
                <authorizationMap groupClass="org.apache.activemq.jaas.GroupPrincipal">
                    <authorizationEntries>
                        <authorizationEntry queue="TEST.Q" read="*" write="*" admin="*"/>
                        <authorizationEntry topic="ActiveMQ.Advisory.>" read="*" write="*" admin="*"/>
                    </authorizationEntries>
                    <defaultEntry>
                        <authorizationEntry read="admins" write="admins" admin="admins"/>
                    </defaultEntry>
                </authorizationMap>
            </map>
        </authorizationPlugin>
    </plugins>
</broker>
</beans>`

func TestJAASShippedFiles(t *testing.T) {
	cfg := parse(t, jaasXML, map[string]string{
		"login.config":      shippedLoginConfig,
		"users.properties":  asfHeader + "\nadmin=admin\nuser=password\n",
		"groups.properties": asfHeader + "\nadmins=admin\nusers=user,admin\n",
	}, nil)
	a, z, err := FromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := a.(*JAAS); !ok || z == nil {
		t.Fatalf("%T %T", a, z)
	}
	u, err := a.Authenticate("admin", "admin", nil)
	if err != nil || u.Name != "admin" || strings.Join(u.Groups, ",") != "admins,users" {
		t.Fatalf("admin: %+v %v", u, err)
	}
	u, err = a.Authenticate("user", "password", nil)
	if err != nil || strings.Join(u.Groups, ",") != "users" {
		t.Fatalf("user: %+v %v", u, err)
	}
	for _, bad := range [][2]string{{"admin", "nope"}, {"nobody", "admin"}, {"", ""}} {
		if _, err := a.Authenticate(bad[0], bad[1], nil); err == nil || err.Error() != "User name ["+bad[0]+"] or password is invalid." {
			t.Fatalf("%q: %v", bad, err)
		}
	}

	// Through STOMP: user may use TEST.Q, not the rest; admin may.
	addr := stompServer(t, cfg, nil)
	c := dial(t, addr, nil)
	if f := c.connect("user", "password"); f.Command != "CONNECTED" {
		t.Fatalf("%s %s", f.Command, get(f, "message"))
	}
	c.send("SEND\ndestination:/queue/TEST.Q\nreceipt:1\n\nx\x00")
	if f := c.read(); f.Command != "RECEIPT" {
		t.Fatalf("%s %s", f.Command, get(f, "message"))
	}
	c.send("SEND\ndestination:/queue/OTHER\nreceipt:2\n\nx\x00")
	if f := c.read(); f.Command != "ERROR" || get(f, "message") != "User user is not authorized to write to: queue://OTHER" {
		t.Fatalf("%s %s", f.Command, get(f, "message"))
	}
	c2 := dial(t, addr, nil)
	if f := c2.connect("user", "wrong"); f.Command != "ERROR" || !c2.closed() {
		t.Fatalf("bad login: %s", f.Command)
	}
}

func TestJAASReload(t *testing.T) {
	old := reloadCheckInterval
	reloadCheckInterval = 0
	defer func() { reloadCheckInterval = old }()
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("login.config", `activemq {
    org.apache.activemq.jaas.PropertiesLoginModule required
        org.apache.activemq.jaas.properties.user="users.properties"
        org.apache.activemq.jaas.properties.group="groups.properties"
        reload=true;
};`)
	write("users.properties", "admin=admin\n")
	write("groups.properties", "admins=admin\n")
	j, err := NewJAAS(&config.JAASAuthenticationPlugin{Kind: "jaasAuthenticationPlugin", Configuration: "activemq"}, config.Paths{Conf: dir}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Authenticate("carol", "pw", nil); err == nil {
		t.Fatal("carol before she exists")
	}
	write("users.properties", "admin=admin\ncarol=pw\n")
	write("groups.properties", "admins=admin\nops=carol\n")
	future := time.Now().Add(2 * time.Second)
	os.Chtimes(filepath.Join(dir, "users.properties"), future, future)
	os.Chtimes(filepath.Join(dir, "groups.properties"), future, future)
	u, err := j.Authenticate("carol", "pw", nil)
	if err != nil || strings.Join(u.Groups, ",") != "ops" {
		t.Fatalf("after reload: %+v %v", u, err)
	}
}

func TestJAASGuestAndFlags(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "users.properties"), []byte("admin=admin\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "groups.properties"), []byte("admins=admin\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "login.config"), []byte(`
// Guests only when no credentials are given; bad credentials fail.
activemq-guest-when-no-creds-only-domain {
    org.apache.activemq.jaas.GuestLoginModule sufficient
        debug=true
        credentialsInvalidate=true
        org.apache.activemq.jaas.guest.user="guest"
        org.apache.activemq.jaas.guest.group="guests";

    org.apache.activemq.jaas.PropertiesLoginModule requisite
        debug=true
        org.apache.activemq.jaas.properties.user="users.properties"
        org.apache.activemq.jaas.properties.group="groups.properties";
};

/* Guests when the credentials are wrong or missing. */
activemq-guest-domain {
    org.apache.activemq.jaas.PropertiesLoginModule sufficient
        org.apache.activemq.jaas.properties.user="${activemq.conf}/users.properties"
        org.apache.activemq.jaas.properties.group="groups.properties";
    org.apache.activemq.jaas.GuestLoginModule sufficient
        org.apache.activemq.jaas.guest.user="visitor"
        org.apache.activemq.jaas.guest.group="visitors";
};
`), 0o600)
	build := func(name string) *JAAS {
		j, err := NewJAAS(&config.JAASAuthenticationPlugin{Kind: "jaasAuthenticationPlugin", Configuration: name}, config.Paths{Conf: dir}, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	j := build("activemq-guest-when-no-creds-only-domain")
	if u, err := j.Authenticate("", "", nil); err != nil || u.Name != "guest" || u.Groups[0] != "guests" {
		t.Fatalf("no credentials: %+v %v", u, err)
	}
	if u, err := j.Authenticate("admin", "admin", nil); err != nil || u.Name != "admin" || u.Groups[0] != "admins" {
		t.Fatalf("admin: %+v %v", u, err)
	}
	if _, err := j.Authenticate("admin", "wrong", nil); err == nil {
		t.Fatal("wrong password let in as guest")
	}
	j = build("activemq-guest-domain")
	if u, err := j.Authenticate("admin", "wrong", nil); err != nil || u.Name != "visitor" {
		t.Fatalf("wrong password: %+v %v", u, err)
	}
	if u, err := j.Authenticate("admin", "admin", nil); err != nil || u.Name != "admin" || strings.Join(u.Groups, ",") != "admins" {
		t.Fatalf("admin: %+v %v", u, err)
	}
}

func TestJAASConfigErrors(t *testing.T) {
	dir := t.TempDir()
	p := &config.JAASAuthenticationPlugin{Kind: "jaasAuthenticationPlugin", Configuration: "activemq"}
	env := func(string) string { return "" }
	if _, err := NewJAAS(p, config.Paths{Conf: dir}, env); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "login.config")+" does not exist") {
		t.Fatalf("%v", err)
	}
	os.WriteFile(filepath.Join(dir, "login.config"), []byte(shippedLoginConfig), 0o600)
	if _, err := NewJAAS(p, config.Paths{Conf: dir}, env); err == nil || !strings.Contains(err.Error(), "users.properties") {
		t.Fatalf("missing users file: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "users.properties"), []byte("a=b\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "groups.properties"), []byte("g=a\n"), 0o600)
	p2 := *p
	p2.Configuration = "other"
	if _, err := NewJAAS(&p2, config.Paths{Conf: dir}, env); err == nil || !strings.Contains(err.Error(), `has no entry "other"`) {
		t.Fatalf("%v", err)
	}
	os.WriteFile(filepath.Join(dir, "ldap.config"), []byte(`activemq { org.apache.activemq.jaas.LDAPLoginModule required connectionURL="ldap://x"; };`), 0o600)
	if _, err := NewJAAS(p, config.Paths{Conf: dir}, func(k string) string {
		if k == LoginConfigEnv {
			return filepath.Join(dir, "ldap.config")
		}
		return ""
	}); err == nil || !strings.Contains(err.Error(), "LDAPLoginModule is not supported") {
		t.Fatalf("%v", err)
	}
	for _, bad := range []string{
		`activemq { org.apache.activemq.jaas.PropertiesLoginModule mandatory; };`,
		`activemq { org.apache.activemq.jaas.PropertiesLoginModule required a="b" };`,
		`activemq { org.apache.activemq.jaas.PropertiesLoginModule required a="b; };`,
		`activemq { }`,
	} {
		if _, err := ParseLoginConfig(bad, nil); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestJAASDecryptedPasswords(t *testing.T) {
	dir := t.TempDir()
	enc, err := Encrypt("activemq", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "login.config"), []byte(`activemq {
    org.apache.activemq.jaas.PropertiesLoginModule required
        org.apache.activemq.jaas.properties.user="users.properties"
        org.apache.activemq.jaas.properties.group="groups.properties"
        decrypt=true;
};`), 0o600)
	os.WriteFile(filepath.Join(dir, "users.properties"), []byte("admin=ENC("+enc+")\nplain=text\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "groups.properties"), []byte("admins=admin\n"), 0o600)
	p := &config.JAASAuthenticationPlugin{Kind: "jaasAuthenticationPlugin", Configuration: "activemq"}
	j, err := NewJAAS(p, config.Paths{Conf: dir}, func(k string) string {
		if k == EncryptionPasswordEnv {
			return "activemq"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Authenticate("admin", "s3cret", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Authenticate("plain", "text", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := NewJAAS(p, config.Paths{Conf: dir}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), EncryptionPasswordEnv) {
		t.Fatalf("without the password: %v", err)
	}
}

// testCA issues certificates for the certificate-login tests.
type testCA struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
	pool *x509.CertPool
}

func newCA(t *testing.T) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return &testCA{key: key, cert: c, pool: pool}
}

func (ca *testCA) issue(t *testing.T, serial int64, subject pkix.Name, server bool) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: subject, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

func TestSubjectDN(t *testing.T) {
	ca := newCA(t)
	c := ca.issue(t, 2, pkix.Name{CommonName: "client", OrganizationalUnit: []string{"Test"}, Organization: []string{"Acme, Inc"}, Country: []string{"DE"},
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, Value: "ops@example.com"}}}, false)
	got := SubjectDN(c.Leaf)
	want := `EMAILADDRESS=ops@example.com, CN=client, OU=Test, O=Acme\, Inc, C=DE`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	for _, same := range []string{
		`emailAddress=ops@example.com,CN=client,OU=Test,O="Acme, Inc",C=DE`,
		`E=ops@example.com, cn=Client, OU = Test, O=Acme\2C Inc, C=DE`,
		`OID.1.2.840.113549.1.9.1=ops@example.com; 2.5.4.3=client; OU=Test; O=Acme\, Inc; C=DE`,
	} {
		if normalizeDN(same) != normalizeDN(got) {
			t.Errorf("%s\n  -> %s\n  != %s", same, normalizeDN(same), normalizeDN(got))
		}
	}
	if normalizeDN("CN=client, OU=Test") == normalizeDN("CN=client, OU=Other") {
		t.Fatal("different DNs equal")
	}
}

const certLoginConfig = `activemq {
    org.apache.activemq.jaas.PropertiesLoginModule required
        org.apache.activemq.jaas.properties.user="users.properties"
        org.apache.activemq.jaas.properties.group="groups.properties";
};

activemq-ssl {
    org.apache.activemq.jaas.TextFileCertificateLoginModule required
        debug=true
        org.apache.activemq.jaas.textfiledn.user="dns.properties"
        org.apache.activemq.jaas.textfiledn.group="groups.properties";
};
`

func TestCertificateLoginThroughSTOMP(t *testing.T) {
	ca := newCA(t)
	server := ca.issue(t, 10, pkix.Name{CommonName: "localhost"}, true)
	client := ca.issue(t, 11, pkix.Name{CommonName: "client", OrganizationalUnit: []string{"Test"}, Organization: []string{"Acme"}, Country: []string{"DE"}}, false)
	ops := ca.issue(t, 12, pkix.Name{CommonName: "robot-7", Organization: []string{"Acme"}}, false)
	stranger := ca.issue(t, 13, pkix.Name{CommonName: "stranger"}, false)
	files := map[string]string{
		"login.config":      certLoginConfig,
		"users.properties":  "admin=admin\n",
		"dns.properties":    "client=CN=client, OU=Test, O=Acme, C=DE\nrobots=/CN=robot-[0-9]+, O=Acme/\n",
		"groups.properties": "admins=admin,client\nbots=robots\n",
	}
	for _, kind := range []string{"jaasCertificateAuthenticationPlugin", "jaasDualAuthenticationPlugin"} {
		t.Run(kind, func(t *testing.T) {
			// populateJMSXUserID shows which user the certificate logged in as.
			xml := `<broker xmlns="http://activemq.apache.org/schema/core" persistent="false" populateJMSXUserID="true"><plugins>
				<` + kind + ` configuration="activemq-ssl"/>
				<authorizationPlugin><map><authorizationMap><authorizationEntries>
					<authorizationEntry queue=">" read="admins,bots" write="admins" admin="admins,bots"/>
					<authorizationEntry topic="ActiveMQ.Advisory.>" read="*" write="*" admin="*"/>
				</authorizationEntries></authorizationMap></map></authorizationPlugin>
			</plugins></broker>`
			if kind == "jaasDualAuthenticationPlugin" {
				xml = strings.Replace(xml, `configuration="activemq-ssl"`, `configuration="activemq" sslConfiguration="activemq-ssl"`, 1)
			}
			cfg := parse(t, xml, files, nil)
			l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{server}, ClientCAs: ca.pool, ClientAuth: tls.VerifyClientCertIfGiven})
			if err != nil {
				t.Fatal(err)
			}
			addr := stompServer(t, cfg, l)
			clientTLS := func(c *tls.Certificate) *tls.Config {
				cfg := &tls.Config{RootCAs: ca.pool, ServerName: "127.0.0.1"}
				if c != nil {
					cfg.Certificates = []tls.Certificate{*c}
				}
				return cfg
			}
			c := dial(t, addr, clientTLS(&client))
			if f := c.connect("", ""); f.Command != "CONNECTED" {
				t.Fatalf("%s %s %s", f.Command, get(f, "message"), f.Body)
			}
			c.send("SUBSCRIBE\nid:1\ndestination:/queue/CERT\n\n\x00")
			c.send("SEND\ndestination:/queue/CERT\n\nhi\x00")
			if f := c.read(); f.Command != "MESSAGE" || get(f, "JMSXUserID") != "client" {
				t.Fatalf("%s %v", f.Command, f.Headers)
			}
			r := dial(t, addr, clientTLS(&ops))
			if f := r.connect("", ""); f.Command != "CONNECTED" {
				t.Fatalf("robot: %s %s", f.Command, f.Body)
			}
			r.send("SEND\ndestination:/queue/CERT\nreceipt:x\n\nhi\x00")
			if f := r.read(); f.Command != "ERROR" || get(f, "message") != "User robots is not authorized to write to: queue://CERT" {
				t.Fatalf("robot: %s %s", f.Command, get(f, "message"))
			}
			for _, who := range []*tls.Certificate{&stranger, nil} {
				s := dial(t, addr, clientTLS(who))
				if f := s.connect("", ""); f.Command != "ERROR" || !s.closed() {
					t.Fatalf("unknown certificate: %s", f.Command)
				}
			}
			// Plain connections: refused by the certificate plugin, the
			// other entry for the dual plugin.
			cfgPlain := stompServer(t, cfg, nil)
			p := dial(t, cfgPlain, nil)
			f := p.connect("admin", "admin")
			if kind == "jaasDualAuthenticationPlugin" {
				if f.Command != "CONNECTED" {
					t.Fatalf("dual, plain: %s %s", f.Command, f.Body)
				}
			} else {
				if f.Command != "ERROR" || !p.closed() {
					t.Fatalf("certificate plugin, plain: %s %s", f.Command, f.Body)
				}
				a, _, _ := FromConfig(cfg)
				_, err := a.Authenticate("admin", "admin", nil)
				var ae *AuthError
				if !errors.As(err, &ae) || ae.Reason != "Unable to authenticate transport without SSL certificate." {
					t.Fatalf("%v", err)
				}
			}
		})
	}
}

func TestJAASUnverifiedCertificateIgnored(t *testing.T) {
	ca := newCA(t)
	client := ca.issue(t, 11, pkix.Name{CommonName: "client", OrganizationalUnit: []string{"Test"}, Organization: []string{"Acme"}, Country: []string{"DE"}}, false)
	dir := t.TempDir()
	for name, data := range map[string]string{"login.config": certLoginConfig, "users.properties": "", "dns.properties": "client=CN=client, OU=Test, O=Acme, C=DE\n", "groups.properties": ""} {
		os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600)
	}
	j, err := NewJAAS(&config.JAASAuthenticationPlugin{Kind: "jaasCertificateAuthenticationPlugin", Configuration: "activemq-ssl"}, config.Paths{Conf: dir}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	// PeerCertificates alone (tls.RequestClientCert) prove nothing.
	if _, err := j.Authenticate("", "", &tls.ConnectionState{PeerCertificates: []*x509.Certificate{client.Leaf}}); err == nil {
		t.Fatal("unverified certificate accepted")
	}
	u, err := j.Authenticate("", "", &tls.ConnectionState{PeerCertificates: []*x509.Certificate{client.Leaf}, VerifiedChains: [][]*x509.Certificate{{client.Leaf, ca.cert}}})
	if err != nil || u.Name != "client" {
		t.Fatalf("%+v %v", u, err)
	}
	var _ broker.User = *u
}
