package memory

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/engramhq/engram/decay"
)

// Policy is a namespace's memory policy (API.md MemoryPolicy): the decay
// policy plus lifecycle settings. Zero TTLs and rate limits mean none.
type Policy struct {
	decay.Policy

	WorkingTTLSeconds         int64   `json:"working_ttl_seconds"`
	EpisodicTTLSeconds        int64   `json:"episodic_ttl_seconds"`
	SemanticTTLSeconds        int64   `json:"semantic_ttl_seconds"`
	ProceduralTTLSeconds      int64   `json:"procedural_ttl_seconds"`
	MinImportance             float64 `json:"min_importance"`
	DedupOnStore              bool    `json:"dedup_on_store"`
	DedupThreshold            float64 `json:"dedup_threshold"`
	RateLimitStoresPerMinute  int     `json:"rate_limit_stores_per_minute"`
	RateLimitRecallsPerMinute int     `json:"rate_limit_recalls_per_minute"`
}

// DefaultPolicy is the policy of a new namespace.
func DefaultPolicy() Policy {
	return Policy{Policy: decay.DefaultPolicy(), DedupThreshold: 0.95}
}

// TTL returns the default time to live in seconds for a memory type (0 = none).
func (p Policy) TTL(memoryType string) int64 {
	switch memoryType {
	case TypeWorking:
		return p.WorkingTTLSeconds
	case TypeEpisodic:
		return p.EpisodicTTLSeconds
	case TypeSemantic:
		return p.SemanticTTLSeconds
	case TypeProcedural:
		return p.ProceduralTTLSeconds
	}
	return 0
}

// Merge applies a partial JSON update to a copy of p and validates the result.
func (p Policy) Merge(patch []byte) (Policy, error) {
	out := p
	dec := json.NewDecoder(bytes.NewReader(patch))
	if err := dec.Decode(&out); err != nil {
		return p, invalid("body", "malformed memory policy: %v", jsonReason(err))
	}
	return out, out.Validate()
}

// Validate reports the first out-of-range field.
func (p *Policy) Validate() error {
	if err := p.Policy.Validate(); err != nil {
		var ve *decay.ValidationError
		if errors.As(err, &ve) {
			return &ValidationError{Field: ve.Field, Reason: ve.Reason}
		}
		return invalid("memory_policy", "%v", err)
	}
	for field, v := range map[string]int64{
		"working_ttl_seconds": p.WorkingTTLSeconds, "episodic_ttl_seconds": p.EpisodicTTLSeconds,
		"semantic_ttl_seconds": p.SemanticTTLSeconds, "procedural_ttl_seconds": p.ProceduralTTLSeconds,
	} {
		if v < 0 {
			return invalid(field, "must be >= 0")
		}
	}
	if p.MinImportance < 0 || p.MinImportance > 1 {
		return invalid("min_importance", "must be between 0 and 1")
	}
	if p.DedupThreshold < 0 || p.DedupThreshold > 1 {
		return invalid("dedup_threshold", "must be between 0 and 1")
	}
	if p.RateLimitStoresPerMinute < 0 {
		return invalid("rate_limit_stores_per_minute", "must be >= 0")
	}
	if p.RateLimitRecallsPerMinute < 0 {
		return invalid("rate_limit_recalls_per_minute", "must be >= 0")
	}
	return nil
}

// jsonReason turns a decoding error into a short reason without echoing input.
func jsonReason(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		if te.Field != "" {
			return "field " + te.Field + " must be " + te.Type.String()
		}
		return "expected " + te.Type.String()
	case errors.As(err, &se):
		return "malformed JSON"
	}
	return "malformed JSON"
}
