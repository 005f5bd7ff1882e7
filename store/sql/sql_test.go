package sql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"

	"amq/store"
	"amq/store/storetest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openT(t testing.TB, driver, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Driver: driver, DSN: dsn, Logger: quiet()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// target is a database the suite can run against.
type target struct {
	driver string
	// fresh returns the DSN of an empty database and removes it at the end
	// of the test.
	fresh func(t testing.TB) string
}

func sqliteTarget() target {
	return target{driver: "sqlite", fresh: func(t testing.TB) string {
		return filepath.Join(t.TempDir(), "amq.db")
	}}
}

// postgresTarget gives every test its own schema of the database named by
// AMQ_TEST_PG_DSN (a pgx DSN, postgres://user@host:port/db).
func postgresTarget(t testing.TB) target {
	base := os.Getenv("AMQ_TEST_PG_DSN")
	if base == "" {
		t.Skip("AMQ_TEST_PG_DSN is not set; set it to a pgx DSN (postgres://user:pass@127.0.0.1:5432/db) to run the PostgreSQL tests")
	}
	return target{driver: "pgx", fresh: func(t testing.TB) string {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		schema := fmt.Sprintf("amqtest_%d", rand.Int63())
		if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			admin.Exec("DROP SCHEMA " + schema + " CASCADE")
			admin.Close()
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("AMQ_TEST_PG_DSN must be a URL: %v", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}}
}

// mysqlTarget gives every test its own database on the server named by
// AMQ_TEST_MYSQL_DSN (a go-sql-driver DSN, user:pass@tcp(host:port)/db).
func mysqlTarget(t testing.TB) target {
	base := os.Getenv("AMQ_TEST_MYSQL_DSN")
	if base == "" {
		t.Skip("AMQ_TEST_MYSQL_DSN is not set; set it to a MySQL/MariaDB DSN (user:pass@tcp(127.0.0.1:3306)/db) to run the MySQL tests")
	}
	return target{driver: "mysql", fresh: func(t testing.TB) string {
		cfg, err := mysql.ParseDSN(base)
		if err != nil {
			t.Fatalf("AMQ_TEST_MYSQL_DSN: %v", err)
		}
		admin, err := sql.Open("mysql", base)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("amqtest_%d", rand.Int63())
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatalf("create database: %v", err)
		}
		t.Cleanup(func() {
			admin.Exec("DROP DATABASE " + name)
			admin.Close()
		})
		cfg.DBName = name
		return cfg.FormatDSN()
	}}
}

func runSuite(t *testing.T, tg target) {
	var mu sync.Mutex
	dsns := map[store.Store]string{}
	open := func(t *testing.T) store.Store {
		dsn := tg.fresh(t)
		s := openT(t, tg.driver, dsn)
		mu.Lock()
		dsns[s] = dsn
		mu.Unlock()
		return s
	}
	reopen := func(t *testing.T, old store.Store) store.Store {
		mu.Lock()
		dsn := dsns[old]
		mu.Unlock()
		if err := old.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		s := openT(t, tg.driver, dsn)
		mu.Lock()
		dsns[s] = dsn
		mu.Unlock()
		return s
	}
	storetest.Run(t, open, reopen)
}

func TestConformanceSQLite(t *testing.T)   { runSuite(t, sqliteTarget()) }
func TestConformancePostgres(t *testing.T) { runSuite(t, postgresTarget(t)) }
func TestConformanceMySQL(t *testing.T)    { runSuite(t, mysqlTarget(t)) }

// activeMQDDL is the schema ActiveMQ 5.17's JDBC adapter creates (default
// statements), with one message row as a broker would leave it.
var activeMQDDL = []string{
	"CREATE TABLE ACTIVEMQ_MSGS(ID BIGINT NOT NULL, CONTAINER VARCHAR(250) NOT NULL, MSGID_PROD VARCHAR(250), MSGID_SEQ BIGINT, EXPIRATION BIGINT, MSG %s, PRIMARY KEY ( ID ) )",
	"CREATE INDEX ACTIVEMQ_MSGS_MIDX ON ACTIVEMQ_MSGS (MSGID_PROD,MSGID_SEQ)",
	"CREATE INDEX ACTIVEMQ_MSGS_CIDX ON ACTIVEMQ_MSGS (CONTAINER)",
	"CREATE INDEX ACTIVEMQ_MSGS_EIDX ON ACTIVEMQ_MSGS (EXPIRATION)",
	"CREATE TABLE ACTIVEMQ_ACKS(CONTAINER VARCHAR(250) NOT NULL, SUB_DEST VARCHAR(250), CLIENT_ID VARCHAR(250) NOT NULL, SUB_NAME VARCHAR(250) NOT NULL, SELECTOR VARCHAR(250), LAST_ACKED_ID BIGINT, PRIMARY KEY ( CONTAINER, CLIENT_ID, SUB_NAME))",
	"ALTER TABLE ACTIVEMQ_MSGS ADD PRIORITY BIGINT",
	"ALTER TABLE ACTIVEMQ_MSGS ADD XID VARCHAR(250)",
	"CREATE TABLE ACTIVEMQ_LOCK( ID BIGINT NOT NULL, TIME BIGINT, BROKER_NAME VARCHAR(250), PRIMARY KEY (ID) )",
	"INSERT INTO ACTIVEMQ_LOCK(ID) VALUES (1)",
	"INSERT INTO ACTIVEMQ_MSGS(ID, CONTAINER, MSGID_PROD, MSGID_SEQ, EXPIRATION, MSG, PRIORITY) VALUES (7, 'queue://orders', 'ID:old-host-1234-1-1:1:1:1', 1, 0, %s, 4)",
}

func listTables(t testing.TB, db *sql.DB, d *dialect) []string {
	t.Helper()
	var q string
	switch d {
	case dialectSQLite:
		q = "SELECT name FROM sqlite_master WHERE type = 'table'"
	case dialectPostgres:
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
	default:
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, strings.ToUpper(n))
	}
	slices.Sort(out)
	return out
}

func testRefuseActiveMQ(t *testing.T, tg target) {
	dsn := tg.fresh(t)
	d, _ := dialectFor(tg.driver)
	rawDSN := dsn
	if d == dialectSQLite {
		rawDSN = sqliteDSN(dsn)
	}
	db, err := sql.Open(d.driver, rawDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	blob := map[*dialect]string{dialectSQLite: "BLOB", dialectPostgres: "BYTEA", dialectMySQL: "LONGBLOB"}[d]
	javaSerialized := map[*dialect]string{dialectSQLite: "X'ACED0005'", dialectPostgres: "'\\xaced0005'::bytea", dialectMySQL: "X'ACED0005'"}[d]
	for _, stmt := range activeMQDDL {
		switch {
		case strings.Contains(stmt, "MSG %s"):
			stmt = fmt.Sprintf(stmt, blob)
		case strings.Contains(stmt, "%s"):
			stmt = fmt.Sprintf(stmt, javaSerialized)
		}
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	before := listTables(t, db, d)
	_, err = Open(context.Background(), Options{Driver: tg.driver, DSN: dsn, Logger: quiet()})
	if !errors.Is(err, ErrForeign) {
		t.Fatalf("Open over ActiveMQ tables: %v", err)
	}
	for _, want := range []string{"ACTIVEMQ_MSGS", "ActiveMQ", "cannot read", "left untouched", "amq migrate"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error lacks %q: %v", want, err)
		}
	}
	t.Log(err)
	if after := listTables(t, db, d); !slices.Equal(before, after) {
		t.Fatalf("tables changed: %v -> %v", before, after)
	}
	var n int
	var msg []byte
	if err := db.QueryRow("SELECT COUNT(*) FROM ACTIVEMQ_MSGS").Scan(&n); err != nil || n != 1 {
		t.Fatalf("ActiveMQ's message row: %d, %v", n, err)
	}
	if err := db.QueryRow("SELECT MSG FROM ACTIVEMQ_MSGS WHERE ID = 7").Scan(&msg); err != nil || string(msg) != "\xac\xed\x00\x05" {
		t.Fatalf("ActiveMQ's message changed: %x, %v", msg, err)
	}
	// Even with table creation off, the answer is the same.
	_, err = Open(context.Background(), Options{Driver: tg.driver, DSN: dsn, NoCreateTables: true, Logger: quiet()})
	if !errors.Is(err, ErrForeign) {
		t.Fatalf("Open with NoCreateTables: %v", err)
	}
}

func TestRefuseActiveMQSQLite(t *testing.T)   { testRefuseActiveMQ(t, sqliteTarget()) }
func TestRefuseActiveMQPostgres(t *testing.T) { testRefuseActiveMQ(t, postgresTarget(t)) }
func TestRefuseActiveMQMySQL(t *testing.T)    { testRefuseActiveMQ(t, mysqlTarget(t)) }

func TestSchemaSQLite(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "amq.db")
	if _, err := Open(context.Background(), Options{Driver: "sqlite", DSN: dsn, NoCreateTables: true, Logger: quiet()}); err == nil {
		t.Fatal("Open with NoCreateTables on an empty database succeeded")
	}
	s := openT(t, "sqlite", dsn)
	db := s.db
	tables := listTables(t, db, dialectSQLite)
	for _, want := range []string{"ACTIVEMQ_ACKS", "ACTIVEMQ_LOCK", "ACTIVEMQ_MSGS", "AMQ_GO_CONTAINERS", "AMQ_GO_META", "AMQ_GO_SUBS", "AMQ_SUB_PENDING"} {
		if !slices.Contains(tables, want) {
			t.Fatalf("table %s missing: %v", want, tables)
		}
	}
	var mode string
	db.QueryRow("PRAGMA journal_mode").Scan(&mode)
	var syncMode int
	db.QueryRow("PRAGMA synchronous").Scan(&syncMode)
	if !strings.EqualFold(mode, "wal") || syncMode != 2 {
		t.Fatalf("journal_mode %q synchronous %d, want wal and 2 (FULL)", mode, syncMode)
	}
	var lockID int64
	if err := db.QueryRow("SELECT ID FROM ACTIVEMQ_LOCK").Scan(&lockID); err != nil || lockID != 1 {
		t.Fatalf("ACTIVEMQ_LOCK seed: %d %v", lockID, err)
	}
	si := store.SubInfo{Key: "cid:sub", ClientID: "cid", Name: "sub", Topic: "topic://t", Selector: strings.Repeat("é", 200)}
	if _, err := store.ApplySync(s, []store.Op{
		{Kind: store.OpAddSub, Sub: si},
		{Kind: store.OpAdd, Record: store.Record{Container: "topic://t", Seq: 5, Priority: 7, Expiration: 99, Data: []byte("payload"), Subs: []string{si.Key}}},
	}); err != nil {
		t.Fatal(err)
	}
	// ActiveMQ's columns hold what an operator would look for.
	var cont string
	var prio, exp int64
	var msg []byte
	if err := db.QueryRow("SELECT CONTAINER, PRIORITY, EXPIRATION, MSG FROM ACTIVEMQ_MSGS WHERE ID = 5").Scan(&cont, &prio, &exp, &msg); err != nil {
		t.Fatal(err)
	}
	if cont != "topic://t" || prio != 7 || exp != 99 || string(msg) != "payload" {
		t.Fatalf("ACTIVEMQ_MSGS row: %s %d %d %q", cont, prio, exp, msg)
	}
	var client, name, sel string
	if err := db.QueryRow("SELECT CLIENT_ID, SUB_NAME, SELECTOR FROM ACTIVEMQ_ACKS WHERE CONTAINER = 'topic://t'").Scan(&client, &name, &sel); err != nil {
		t.Fatal(err)
	}
	if client != "cid" || name != "sub" || len(sel) > maxSelector || !strings.HasPrefix(si.Selector, sel) {
		t.Fatalf("ACTIVEMQ_ACKS row: %s %s %q", client, name, sel)
	}
	subs, _ := s.Subscriptions(context.Background())
	if len(subs) != 1 || subs[0] != si {
		t.Fatalf("the full selector did not survive: %+v", subs)
	}
	s.Close()
	// Our own tables open again.
	s = openT(t, "sqlite", dsn)
	s.Close()
}

// TestBadBatchIsolated: a batch that fails (a container too long for the
// column) fails alone, not the batches grouped with it.
func TestBadBatchIsolatedPostgres(t *testing.T) {
	tg := postgresTarget(t)
	s := openT(t, tg.driver, tg.fresh(t))
	defer s.Close()
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range errs {
		wg.Add(1)
		c := "queue://ok"
		if i == 25 {
			c = "queue://" + strings.Repeat("x", 300)
		}
		s.Apply([]store.Op{{Kind: store.OpAdd, Record: store.Record{Container: c, Seq: uint64(i + 1), Data: []byte("x")}}},
			func(_ store.Position, err error) { errs[i] = err; wg.Done() })
	}
	wg.Wait()
	for i, err := range errs {
		if (err != nil) != (i == 25) {
			t.Fatalf("Apply %d: %v", i, err)
		}
	}
}

func TestDSNFromJDBC(t *testing.T) {
	cases := []struct {
		url, user, pass string
		driver, dsn     string
	}{
		{"jdbc:postgresql://db.example:5433/activemq?ssl=true&currentSchema=amq&loggerLevel=OFF", "amq", "s3cr:t@",
			"pgx", "postgres://amq:s3cr%3At%40@db.example:5433/activemq?search_path=amq&sslmode=require"},
		{"jdbc:postgresql://h1:5432,h2:5432/amq?targetServerType=primary", "", "",
			"pgx", "postgres://h1:5432,h2:5432/amq?target_session_attrs=primary"},
		{"jdbc:postgresql:amq?user=u&password=p", "", "", "pgx", "postgres://u:p@localhost/amq"},
		{"jdbc:mysql://mysql-host:3306/activemq?relaxAutoCommit=true&useSSL=false", "activemq", "pw",
			"mysql", "activemq:pw@tcp(mysql-host:3306)/activemq"},
		{"jdbc:mariadb://maria/amq?sslMode=VERIFY_CA&connectTimeout=5000", "u", "",
			"mysql", "u@tcp(maria:3306)/amq?timeout=5s&tls=true"},
		{"jdbc:mysql://[::1]:3307/amq", "u", "p", "mysql", "u:p@tcp([::1]:3307)/amq"},
		{"jdbc:sqlite:/var/lib/amq/store.db", "", "", "sqlite", "/var/lib/amq/store.db"},
		{"jdbc:sqlite:data/amq.db", "", "", "sqlite", "data/amq.db"},
	}
	for _, c := range cases {
		driver, dsn, err := DSNFromJDBC(c.url, c.user, c.pass)
		if err != nil {
			t.Fatalf("%s: %v", c.url, err)
		}
		if driver != c.driver || dsn != c.dsn {
			t.Errorf("%s:\n got %s %s\nwant %s %s", c.url, driver, dsn, c.driver, c.dsn)
		}
	}
	for _, bad := range []string{"postgres://x/y", "jdbc:derby:memory:amq", "jdbc:sqlite::memory:", "jdbc:mysql:loadbalance://a,b/db", "jdbc:mysql://a,b/db"} {
		if _, _, err := DSNFromJDBC(bad, "", ""); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	// A converted SQLite URL opens.
	driver, dsn, err := DSNFromJDBC("jdbc:sqlite:"+filepath.Join(t.TempDir(), "x.db"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	openT(t, driver, dsn).Close()
}
