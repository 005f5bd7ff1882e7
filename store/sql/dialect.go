package sql

import (
	"fmt"
	"strconv"
	"strings"
)

// dialect holds what differs between the supported databases.
type dialect struct {
	name   string // sqlite, postgres, mysql
	driver string // database/sql driver name
	blob   string // column type of MSG
	text   string // column type of long text
	// tableExists counts tables named by its one argument, case-insensitively.
	tableExists string
}

var (
	dialectSQLite = &dialect{
		name: "sqlite", driver: "sqlite", blob: "BLOB", text: "TEXT",
		tableExists: "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND UPPER(name) = UPPER(?)",
	}
	dialectPostgres = &dialect{
		name: "postgres", driver: "pgx", blob: "BYTEA", text: "TEXT",
		tableExists: "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND UPPER(table_name) = UPPER(?)",
	}
	dialectMySQL = &dialect{
		name: "mysql", driver: "mysql", blob: "LONGBLOB", text: "TEXT",
		tableExists: "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND UPPER(table_name) = UPPER(?)",
	}
)

func dialectFor(driver string) (*dialect, error) {
	switch strings.ToLower(driver) {
	case "sqlite", "sqlite3":
		return dialectSQLite, nil
	case "pgx", "pgx/v5", "postgres", "postgresql":
		return dialectPostgres, nil
	case "mysql", "mariadb":
		return dialectMySQL, nil
	}
	return nil, fmt.Errorf("unsupported SQL driver %q (use sqlite, pgx or mysql)", driver)
}

// q rewrites ? placeholders for the dialect. None of our statements holds a
// literal question mark.
func (d *dialect) q(query string) string {
	if d != dialectPostgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// insertMsg inserts a message unless its ID exists; RowsAffected tells.
func (d *dialect) insertMsg() string {
	const cols = "INSERT INTO ACTIVEMQ_MSGS (ID, CONTAINER, EXPIRATION, MSG, PRIORITY) VALUES (?, ?, ?, ?, ?)"
	if d == dialectMySQL {
		// INSERT IGNORE would also turn a too-long container into a
		// silently truncated one.
		return cols + " ON DUPLICATE KEY UPDATE ID = ID"
	}
	return d.q(cols + " ON CONFLICT (ID) DO NOTHING")
}

func (d *dialect) insertContainer() string {
	const cols = "INSERT INTO AMQ_GO_CONTAINERS (CONTAINER) VALUES (?)"
	if d == dialectMySQL {
		return cols + " ON DUPLICATE KEY UPDATE CONTAINER = CONTAINER"
	}
	return d.q(cols + " ON CONFLICT (CONTAINER) DO NOTHING")
}

// schema returns the CREATE statements of a table, by table name.
func (d *dialect) schema() []table {
	return []table{
		{"ACTIVEMQ_MSGS", []string{
			"CREATE TABLE ACTIVEMQ_MSGS (ID BIGINT NOT NULL, CONTAINER VARCHAR(250) NOT NULL, MSGID_PROD VARCHAR(250), " +
				"MSGID_SEQ BIGINT, EXPIRATION BIGINT, MSG " + d.blob + ", PRIORITY BIGINT, XID VARCHAR(250), PRIMARY KEY (ID))",
			"CREATE INDEX ACTIVEMQ_MSGS_CIDX ON ACTIVEMQ_MSGS (CONTAINER, ID)",
			"CREATE INDEX ACTIVEMQ_MSGS_EIDX ON ACTIVEMQ_MSGS (EXPIRATION)",
		}},
		{"ACTIVEMQ_ACKS", []string{
			"CREATE TABLE ACTIVEMQ_ACKS (CONTAINER VARCHAR(250) NOT NULL, SUB_DEST VARCHAR(250), CLIENT_ID VARCHAR(250) NOT NULL, " +
				"SUB_NAME VARCHAR(250) NOT NULL, SELECTOR VARCHAR(250), LAST_ACKED_ID BIGINT, PRIORITY BIGINT DEFAULT 5 NOT NULL, " +
				"XID VARCHAR(250), PRIMARY KEY (CONTAINER, CLIENT_ID, SUB_NAME, PRIORITY))",
		}},
		{"ACTIVEMQ_LOCK", []string{
			"CREATE TABLE ACTIVEMQ_LOCK (ID BIGINT NOT NULL, TIME BIGINT, BROKER_NAME VARCHAR(250), PRIMARY KEY (ID))",
		}},
		{"AMQ_GO_SUBS", []string{
			"CREATE TABLE AMQ_GO_SUBS (SUB_KEY VARCHAR(250) NOT NULL, CONTAINER VARCHAR(250) NOT NULL, CLIENT_ID VARCHAR(250) NOT NULL, " +
				"SUB_NAME VARCHAR(250) NOT NULL, SELECTOR " + d.text + ", NO_LOCAL SMALLINT NOT NULL, PRIMARY KEY (SUB_KEY))",
		}},
		{"AMQ_SUB_PENDING", []string{
			"CREATE TABLE AMQ_SUB_PENDING (SUB_KEY VARCHAR(250) NOT NULL, ID BIGINT NOT NULL, CONTAINER VARCHAR(250) NOT NULL, " +
				"PRIMARY KEY (SUB_KEY, ID))",
			"CREATE INDEX AMQ_SUB_PENDING_IDX ON AMQ_SUB_PENDING (ID)",
		}},
		{"AMQ_GO_CONTAINERS", []string{
			"CREATE TABLE AMQ_GO_CONTAINERS (CONTAINER VARCHAR(250) NOT NULL, PRIMARY KEY (CONTAINER))",
		}},
	}
}

type table struct {
	name string
	ddl  []string
}

const metaDDL = "CREATE TABLE AMQ_GO_META (NAME VARCHAR(64) NOT NULL, VAL BIGINT NOT NULL, PRIMARY KEY (NAME))"
