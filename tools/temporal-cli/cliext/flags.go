// Package cliext stands in for the Temporal CLI's module of the same path, which the CLI's go.mod
// takes from a directory of its repository (`replace github.com/temporalio/cli/cliext => ./cliext`)
// that the Go module proxy does not serve. PlasmaVMC writes it from what the CLI's own code asks of
// it (types, fields, flag names), so that the CLI can be built through the module proxy alone.
// PlasmaVMC runs `temporal server start-dev`; the client commands work too (same flags,
// environment configuration through the SDK's envconfig), but are not what this is tested for.
package cliext

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"go.temporal.io/server/common/primitives/timestamp"
)

// FlagDuration is a flag of a duration in Go's syntax, also with days ("3d").
type FlagDuration time.Duration

// ParseFlagDuration parses a duration as the CLI's flags take it.
func ParseFlagDuration(s string) (time.Duration, error) {
	return timestamp.ParseDuration(s)
}

// MustParseFlagDuration is ParseFlagDuration for the CLI's built-in defaults; it panics on a bad one.
func MustParseFlagDuration(s string) FlagDuration {
	d, err := ParseFlagDuration(s)
	if err != nil {
		panic(fmt.Sprintf("cliext: bad built-in duration %q: %v", s, err))
	}
	return FlagDuration(d)
}

func (d FlagDuration) Duration() time.Duration { return time.Duration(d) }
func (d *FlagDuration) String() string       { return time.Duration(*d).String() }
func (d *FlagDuration) Type() string         { return "duration" }

func (d *FlagDuration) Set(s string) error {
	parsed, err := ParseFlagDuration(s)
	if err != nil {
		return err
	}
	*d = FlagDuration(parsed)
	return nil
}

// FlagTimestamp is a flag of a point in time in RFC 3339.
type FlagTimestamp time.Time

func (t FlagTimestamp) Time() time.Time { return time.Time(t) }
func (t *FlagTimestamp) String() string { return time.Time(*t).Format(time.RFC3339) }
func (t *FlagTimestamp) Type() string   { return "timestamp" }

func (t *FlagTimestamp) Set(s string) error {
	parsed, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return err
	}
	*t = FlagTimestamp(parsed)
	return nil
}

// FlagStringEnum is a flag that takes one of Allowed (exactly as written there).
type FlagStringEnum struct {
	Allowed []string
	Value   string
	// ChangedFromDefault says the user set it (the dev server's log level defaults differently).
	ChangedFromDefault bool
}

func NewFlagStringEnum(allowed []string, value string) FlagStringEnum {
	return FlagStringEnum{Allowed: allowed, Value: value}
}

func (e *FlagStringEnum) String() string { return e.Value }
func (e *FlagStringEnum) Type() string   { return "string" }

func (e *FlagStringEnum) Set(s string) error {
	for _, allowed := range e.Allowed {
		if s == allowed {
			e.Value = s
			e.ChangedFromDefault = true
			return nil
		}
	}
	return fmt.Errorf("%q is not one of: %s", s, strings.Join(e.Allowed, ", "))
}

// FlagStringEnumArray is a repeatable flag whose values are taken from Allowed, in any case, and
// kept as Allowed writes them.
type FlagStringEnumArray struct {
	// Allowed maps each allowed value in lower case to the value as written.
	Allowed map[string]string
	Values  []string
}

func NewFlagStringEnumArray(allowed []string, values []string) FlagStringEnumArray {
	byLower := make(map[string]string, len(allowed))
	for _, value := range allowed {
		byLower[strings.ToLower(value)] = value
	}
	return FlagStringEnumArray{Allowed: byLower, Values: values}
}

func (e *FlagStringEnumArray) String() string { return strings.Join(e.Values, ",") }
func (e *FlagStringEnumArray) Type() string   { return "string" }

func (e *FlagStringEnumArray) Set(s string) error {
	value, ok := e.Allowed[strings.ToLower(s)]
	if !ok {
		allowed := make([]string, 0, len(e.Allowed))
		for _, v := range e.Allowed {
			allowed = append(allowed, v)
		}
		sort.Strings(allowed)
		return fmt.Errorf("%q is not one of: %s", s, strings.Join(allowed, ", "))
	}
	e.Values = append(e.Values, value)
	return nil
}
