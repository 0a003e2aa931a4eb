// Package report turns stored statuses into the views an administrator
// reads: the status of each policy and setting on each device, rolled up
// with a fixed precedence so that counts add up.
//
// Status is the vocabulary shared by the merge, the device reports and the
// views; RollUp gives a policy's status on a device from its settings'.
//
// The package is pure: no I/O, no goroutines, no clock.
package report
