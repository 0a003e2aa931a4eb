// Package celbench compares rule evaluation in the targeting package with
// cel-go and with hand-written Go, in one benchmark run. It is a module of
// its own so that cel-go stays out of the main module's requirements.
//
//	cd targeting/internal/celbench && go test -bench . -benchmem
package celbench
