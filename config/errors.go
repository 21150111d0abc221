// Package config loads the zwgk process configuration from environment
// variables (Load) and the bureau's organisation from a YAML roster file
// (ParseRoster, LoadRoster).
//
// Both loaders validate everything they read and report every problem at
// once, so an operator can fix a broken deployment in a single pass.
package config

import (
	"errors"
	"strings"
)

// ErrInvalid is wrapped by the error Load returns when the environment is
// not a valid configuration.
var ErrInvalid = errors.New("invalid configuration")

// ErrInvalidRoster is wrapped by the error ParseRoster and LoadRoster return
// when the roster is not valid.
var ErrInvalidRoster = errors.New("invalid roster")

// ValidationError lists every problem found while validating the
// configuration or the roster. Its message has one line per problem.
// It unwraps to ErrInvalid or ErrInvalidRoster.
type ValidationError struct {
	// Problems holds one human-readable line per problem, in the order they
	// were found, e.g. "WECOM_AES_KEY: must be 43 characters, got 42" or
	// `roster line 7: person "lisi": unknown section "综合三股"`.
	Problems []string

	kind error
}

// Error returns the problems, one per line.
func (e *ValidationError) Error() string {
	if len(e.Problems) == 0 {
		if e.kind != nil {
			return e.kind.Error()
		}
		return "invalid"
	}
	return strings.Join(e.Problems, "\n")
}

// Unwrap returns ErrInvalid or ErrInvalidRoster.
func (e *ValidationError) Unwrap() error { return e.kind }
