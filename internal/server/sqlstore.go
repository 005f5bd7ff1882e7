package server

import (
	"fmt"
	"log/slog"

	"amq/internal/config"
	"amq/store"
)

// openSQL serves <jdbcPersistenceAdapter>.
func openSQL(cfg *config.Config, log *slog.Logger) (store.Store, error) {
	return nil, fmt.Errorf("%s: <jdbcPersistenceAdapter>: %w", cfg.Broker.PersistenceAdapter.Pos, errNotImplemented)
}
