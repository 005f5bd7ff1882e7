package memory_test

import (
	"testing"

	"amq/store"
	"amq/store/memory"
	"amq/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return memory.New() }, nil)
}
