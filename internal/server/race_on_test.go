//go:build race

package server

// raceEnabled: the race detector enlarges stack frames (see idle_test.go).
const raceEnabled = true
