package decay

import (
	"errors"
	"fmt"
)

// ErrInvalidPolicy is matched (errors.Is) by every *ValidationError.
var ErrInvalidPolicy = errors.New("decay: invalid policy")

// ValidationError names one policy field and why its value is refused.
// Field is the JSON name, with a dot for nested fields
// ("half_life_hours.episodic"); it is empty for a malformed patch.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("decay: invalid policy: %s", e.Reason)
	}
	return fmt.Sprintf("decay: invalid policy: %s: %s", e.Field, e.Reason)
}

// Unwrap makes every ValidationError match ErrInvalidPolicy.
func (e *ValidationError) Unwrap() error { return ErrInvalidPolicy }
