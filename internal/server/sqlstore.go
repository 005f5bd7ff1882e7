package server

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"amq/internal/config"
	"amq/store"
	sqlstore "amq/store/sql"
)

// openSQL serves <jdbcPersistenceAdapter>: embedded SQLite when no
// dataSource is given (activemq.db in dataDirectory, else activemq.data/sql),
// PostgreSQL or MySQL/MariaDB through dataSource="#bean" with a JDBC URL.
func openSQL(cfg *config.Config, log *slog.Logger) (store.Store, error) {
	pa := cfg.Broker.PersistenceAdapter
	j := pa.JDBC
	opts := sqlstore.Options{Logger: log, NoCreateTables: !j.CreateTablesOnStartup}
	switch {
	case j.DataSource != nil && j.DataSource.URL != "":
		drv, dsn, err := sqlstore.DSNFromJDBC(j.DataSource.URL, j.DataSource.Username, j.DataSource.Password)
		if err != nil {
			return nil, fmt.Errorf("%s: dataSource %q: %w", pa.Pos, j.DataSourceRef, err)
		}
		opts.Driver, opts.DSN = drv, dsn
		log.Info("SQL store", "dataSource", j.DataSourceRef, "driver", drv, "url", j.DataSource.URL)
	case j.DataSourceRef != "":
		return nil, fmt.Errorf("%s: dataSource %q names no bean with a url (or serverName/databaseName) this broker can use", pa.Pos, j.DataSourceRef)
	default:
		dir := filepath.Join(cfg.Broker.DataDirectory, "sql")
		if _, set := j.Attrs["dataDirectory"]; set {
			dir = j.DataDirectory
		}
		d, err := dataDir(dir)
		if err != nil {
			return nil, err
		}
		opts.Driver, opts.DSN = "sqlite", filepath.Join(d, "activemq.db")
		log.Info("SQL store on embedded SQLite", "file", opts.DSN)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := sqlstore.Open(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: open SQL store: %w", pa.Pos, err)
	}
	return st, nil
}
