package enrollment

import (
	"errors"
	"fmt"
)

// ErrInvalidTransition is wrapped by the error Apply returns for an event
// that the transition table does not allow in the record's state.
var ErrInvalidTransition = errors.New("enrollment: invalid transition")

// ErrInvalidInput is wrapped by every *InputError.
var ErrInvalidInput = errors.New("enrollment: invalid input")

// TransitionError reports an event that is not allowed in a state.
type TransitionError struct {
	State  State
	Event  EventKind
	Reason string // why no rule applies
}

func (e *TransitionError) Error() string {
	s := fmt.Sprintf("enrollment: event %s is not allowed in state %s", e.Event, e.State)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Unwrap returns ErrInvalidTransition.
func (e *TransitionError) Unwrap() error { return ErrInvalidTransition }

// InputError reports a tenant configuration, device facts, an event or a
// record that is not valid. Nothing was changed.
type InputError struct {
	What   string // "tenant", "device", "event", "record" or "environment"
	Field  string // the JSON key at fault, if any
	Reason string
}

func (e *InputError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("enrollment: invalid %s: %s", e.What, e.Reason)
	}
	return fmt.Sprintf("enrollment: invalid %s: %q: %s", e.What, e.Field, e.Reason)
}

// Unwrap returns ErrInvalidInput.
func (e *InputError) Unwrap() error { return ErrInvalidInput }
