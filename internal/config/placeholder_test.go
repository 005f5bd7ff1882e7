package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeConf writes an activemq.xml and its properties files into a fresh
// directory and returns the xml's path.
func writeConf(t *testing.T, doc string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "activemq.xml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// ppc builds a document with a PropertyPlaceholderConfigurer (extra holds
// its additional <property> elements) and a broker whose name is brokerName.
func ppc(extra, brokerName string) string {
	return `<beans xmlns="http://www.springframework.org/schema/beans">
  <bean class="org.springframework.beans.factory.config.PropertyPlaceholderConfigurer">
    <property name="locations">
      <value>file:${activemq.conf}/credentials.properties</value>
    </property>` + extra + `
  </bean>
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="` + brokerName + `"/>
</beans>`
}

func nameWith(t *testing.T, doc string, files map[string]string, opts Options) (string, []Warning, error) {
	t.Helper()
	if opts.Env == nil {
		opts.Env = noEnv
	}
	cfg, warns, err := Load(writeConf(t, doc, files), opts)
	if err != nil {
		return "", warns, err
	}
	return cfg.Broker.Name, warns, nil
}

func TestPlaceholderSources(t *testing.T) {
	creds := map[string]string{"credentials.properties": "who=file\nonly.file=f\nnested=${who}-n\n"}
	env := envOf(map[string]string{"who": "env", "ONLY_ENV": "e", "HOME": "/home/amq", "APP_NAME": "relaxed"})
	cases := []struct {
		name, extra, broker string
		props               map[string]string
		want                string
	}{
		// Spring's default (SYSTEM_PROPERTIES_MODE_FALLBACK): the files
		// first, then system properties (-D), then the environment.
		{"file beats -D and env", "", "${who}", map[string]string{"who": "D"}, "file"},
		{"-D when the files lack it", "", "${only.D}", map[string]string{"only.D": "d"}, "d"},
		{"env last", "", "${ONLY_ENV}", nil, "e"},
		{"env with Spring's relaxed names", "", "${only.env}", nil, "e"},
		{"env relaxed dashes", "", "${app-name}", nil, "relaxed"},
		{"activemq.* paths", "", "${activemq.base}", nil, "/srv/amq"},
		{"-D overrides a path", "", "${activemq.data}", map[string]string{"activemq.data": "/d"}, "/d"},
		{"JVM-like property", "", "${user.home}", nil, "/home/amq"},
		{"default value", "", "${missing:fallback}", nil, "fallback"},
		{"empty default", "", "x${missing:}y", nil, "xy"},
		{"default not used", "", "${only.file:unused}", nil, "f"},
		{"default with colons", "", "${missing:tcp://h:1}", nil, "tcp://h:1"},
		{"nested key", "", "${only.${which}}", map[string]string{"which": "file"}, "f"},
		{"recursive value", "", "${nested}", nil, "file-n"},
		{"several", "", "${who}/${only.file}/${ONLY_ENV}", nil, "file/f/e"},
		{"no placeholder", "", "plain", nil, "plain"},
		{"lone dollar", "", "a$b${who}", nil, "a$bfile"},
		{"unterminated stays literal", "", "${who", nil, "${who"},
		{"override mode", `<property name="systemPropertiesModeName" value="SYSTEM_PROPERTIES_MODE_OVERRIDE"/>`,
			"${who}", map[string]string{"who": "D"}, "D"},
		{"override mode falls to env before file", `<property name="systemPropertiesModeName" value="SYSTEM_PROPERTIES_MODE_OVERRIDE"/>`,
			"${who}", nil, "env"},
		{"mode as a number", `<property name="systemPropertiesMode" value="2"/>`, "${who}", map[string]string{"who": "D"}, "D"},
		{"ignore unresolvable", `<property name="ignoreUnresolvablePlaceholders" value="true"/>`, "${nope}-${who}", nil, "${nope}-file"},
		{"no environment", `<property name="searchSystemEnvironment" value="false"/>`, "${ONLY_ENV:none}", nil, "none"},
		{"inline properties", `<property name="properties"><props><prop key="inline">i</prop><prop key="who">inline</prop></props></property>`,
			"${inline}-${who}", nil, "i-file"},
		{"inline with localOverride", `<property name="localOverride" value="true"/><property name="properties"><props><prop key="who">inline</prop></props></property>`,
			"${who}", nil, "inline"},
		{"custom prefix", `<property name="placeholderPrefix" value="$["/><property name="placeholderSuffix" value="]"/>`,
			"$[who]-${who}", nil, "file-${who}"},
	}
	got, _, err := nameWith(t, ppc("", "${who}"), creds, Options{Env: env, Props: map[string]string{"who": "D"}, PropsOverride: true})
	if err != nil || got != "D" {
		t.Errorf("PropsOverride: %q, %v", got, err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := nameWith(t, ppc(c.extra, c.broker), creds, Options{Env: env, Props: c.props, Base: "/srv/amq"})
			if err != nil {
				t.Fatal(err)
			}
			// Broker names are cleaned of characters ActiveMQ refuses.
			if want := illegalBrokerName.ReplaceAllString(c.want, "_"); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestPlaceholderInText(t *testing.T) {
	doc := `<beans xmlns="http://www.springframework.org/schema/beans">
  <bean class="org.springframework.beans.factory.config.PropertyPlaceholderConfigurer">
    <property name="locations"><list><value>classpath:db.properties</value><value>file:${activemq.conf}/more.properties</value></list></property>
  </bean>
  <bean id="ds" class="org.postgresql.ds.PGSimpleDataSource">
    <property name="serverName"><value>${db.host}</value></property>
    <property name="portNumber" value="${db.port:5432}"/>
    <property name="databaseName" value="amq"/>
    <property name="user" value="${db.user}"/>
    <property name="password" value="${db.password}"/>
  </bean>
  <broker xmlns="http://activemq.apache.org/schema/core">
    <persistenceAdapter><jdbcPersistenceAdapter dataSource="#ds"/></persistenceAdapter>
  </broker>
</beans>`
	path := writeConf(t, doc, map[string]string{
		"db.properties":   "db.host=pg1\ndb.user=amq\ndb.password=first\n",
		"more.properties": "db.password=second\n",
	})
	cfg, warns, err := Load(path, Options{Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	noWarnings(t, warns)
	ds := cfg.Broker.PersistenceAdapter.JDBC.DataSource
	eq(t, "url", ds.URL, "jdbc:postgresql://pg1:5432/amq")
	eq(t, "user", ds.Username, "amq")
	eq(t, "later file wins", ds.Password, "second")
	eq(t, "files", len(cfg.PropertyFiles), 2)
}

func TestPlaceholderErrors(t *testing.T) {
	creds := map[string]string{"credentials.properties": "a=${b}\nb=${a}\nself=${self}\n"}
	cases := []struct{ name, broker, want string }{
		{"unresolvable", "${nope}", `:7:58: <broker brokerName="${nope}">: unresolvable placeholder ${nope}`},
		{"circular", "${a}", `<broker brokerName="${a}">: circular placeholder reference ${`},
		{"self", "${self}", `circular placeholder reference ${self}`},
		{"unresolvable nested key", "${x.${y}}", `unresolvable placeholder ${y}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := nameWith(t, ppc("", c.broker), creds, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
	// NEVER mode sees only the files: not even activemq.conf resolves.
	doc := ppc(`<property name="systemPropertiesModeName" value="SYSTEM_PROPERTIES_MODE_NEVER"/>`, "${activemq.base}")
	_, _, err := nameWith(t, doc, map[string]string{"credentials.properties": ""}, Options{})
	if err == nil || !strings.Contains(err.Error(), "unresolvable placeholder ${activemq.base}") {
		t.Errorf("NEVER: %v", err)
	}
	// Exponential expansion is cut off.
	var b strings.Builder
	b.WriteString("p0=" + strings.Repeat("x", 4096) + "\n")
	for i := 1; i < 40; i++ {
		b.WriteString("p" + itoa(i) + "=${p" + itoa(i-1) + "}${p" + itoa(i-1) + "}\n")
	}
	_, _, err = nameWith(t, ppc("", "${p39}"), map[string]string{"credentials.properties": b.String()}, Options{})
	if err == nil || !strings.Contains(err.Error(), "placeholder expansion longer than") {
		t.Errorf("expansion bomb: %v", err)
	}
	// Doubling lookups that produce nothing are cut off too.
	b.Reset()
	b.WriteString("q0=\n")
	for i := 1; i < 60; i++ {
		b.WriteString("q" + itoa(i) + "=${q" + itoa(i-1) + "}${q" + itoa(i-1) + "}\n")
	}
	_, _, err = nameWith(t, ppc("", "${q59}"), map[string]string{"credentials.properties": b.String()}, Options{})
	if err == nil || !strings.Contains(err.Error(), "placeholder expansion too complex") {
		t.Errorf("lookup bomb: %v", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestBareBrokerPlaceholders(t *testing.T) {
	// Without a configurer, -D properties, the activemq.* paths and the
	// environment still resolve.
	doc := `<broker xmlns="http://activemq.apache.org/schema/core" brokerName="${NAME}" dataDirectory="${activemq.base}/d/${sub:x}"/>`
	cfg, _ := mustParse(t, doc, Options{Env: envOf(map[string]string{"NAME": "fromenv"}), Base: "/b", Props: map[string]string{"sub": "y"}})
	eq(t, "name", cfg.Broker.Name, "fromenv")
	eq(t, "data", cfg.Broker.DataDirectory, "/b/d/y")
}

func TestJasypt(t *testing.T) {
	// The encrypted-passwords setup from ActiveMQ's examples.
	env := envOf(map[string]string{"ACTIVEMQ_ENCRYPTION_PASSWORD": "activemq"})
	cfg, _ := mustLoad(t, filepath.Join("testdata", "examples", "activemq-security.xml"), Options{Env: env})
	eq(t, "raw property stays encrypted", cfg.Properties["activemq.password"], "ENC(mYRkg+4Q4hua1kvpCCI2hg==)")
	eq(t, "decrypted", cfg.Broker.Plugins.SimpleAuthentication.Users[0].Password, "manager")

	_, _, err := Load(filepath.Join("testdata", "examples", "activemq-security.xml"), Options{Env: noEnv})
	if err == nil || !strings.Contains(err.Error(), "cannot decrypt property activemq.password: no encryption password (is ACTIVEMQ_ENCRYPTION_PASSWORD set?)") {
		t.Errorf("no password: %v", err)
	}
	_, _, err = Load(filepath.Join("testdata", "examples", "activemq-security.xml"),
		Options{Env: envOf(map[string]string{"ACTIVEMQ_ENCRYPTION_PASSWORD": "wrong"})})
	if err == nil || !strings.Contains(err.Error(), "cannot decrypt property") {
		t.Errorf("wrong password: %v", err)
	}
}
