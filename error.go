// Package baobei is the domain of the 报备 service: customers, ownership,
// follow-ups, the policy and the pure rules that decide what is allowed.
// It imports nothing but the standard library.
package baobei

import (
	"errors"
	"fmt"
)

// Error codes. Tests assert codes, never wording.
const (
	EINVALID   = "EINVALID"   // the input cannot be understood or breaks a limit
	ECONFLICT  = "ECONFLICT"  // someone else got there first
	EFORBIDDEN = "EFORBIDDEN" // the actor may not do this
	ENOTFOUND  = "ENOTFOUND"  // no such customer or user
	ELIMIT     = "ELIMIT"     // a quota (held, claims per day, cooldown) is used up
	EAMBIGUOUS = "EAMBIGUOUS" // a reference matches more than one customer
)

// ErrRetry marks a failure that running the whole unit of work again can
// cure (a lost optimistic race, a deadlock): it is never shown to a user.
var ErrRetry = errors.New("retry the unit of work")

// Error is the one error type that carries a user-facing Chinese message.
// The message says why and what to do next.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds an *Error with a formatted Chinese message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, or "" if none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
