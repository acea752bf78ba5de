package decay

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"sort"
	"testing"
)

func TestDefaultPolicyValid(t *testing.T) {
	if err := DefaultPolicy().Validate(); err != nil {
		t.Fatalf("DefaultPolicy().Validate() = %v", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(p *Policy)
		fields []string // want exactly these fields reported
	}{
		{"case=ok_zero_weights", func(p *Policy) { p.ImportanceWeight, p.RecencyWeight, p.RelevanceWeight = 0, 0, 0 }, nil},
		{"case=ok_floor_bounds", func(p *Policy) { p.RetentionFloor = 1 }, nil},
		{"case=ok_all_curves", func(p *Policy) {
			p.WorkingDecay, p.EpisodicDecay, p.SemanticDecay, p.ProceduralDecay = Step, Linear, Logarithmic, Flat
		}, nil},
		{"field=working_decay", func(p *Policy) { p.WorkingDecay = "zigzag" }, []string{"working_decay"}},
		{"field=episodic_decay/empty", func(p *Policy) { p.EpisodicDecay = "" }, []string{"episodic_decay"}},
		{"field=semantic_decay/case", func(p *Policy) { p.SemanticDecay = "Exponential" }, []string{"semantic_decay"}},
		{"field=procedural_decay", func(p *Policy) { p.ProceduralDecay = "power-law" }, []string{"procedural_decay"}},
		{"field=half_life_hours.working/zero", func(p *Policy) { p.HalfLifeHours.Working = 0 }, []string{"half_life_hours.working"}},
		{"field=half_life_hours.episodic/negative", func(p *Policy) { p.HalfLifeHours.Episodic = -1 }, []string{"half_life_hours.episodic"}},
		{"field=half_life_hours.semantic/nan", func(p *Policy) { p.HalfLifeHours.Semantic = math.NaN() }, []string{"half_life_hours.semantic"}},
		{"field=half_life_hours.procedural/huge", func(p *Policy) { p.HalfLifeHours.Procedural = 2e6 }, []string{"half_life_hours.procedural"}},
		{"field=importance_weight", func(p *Policy) { p.ImportanceWeight = -0.1 }, []string{"importance_weight"}},
		{"field=recency_weight/inf", func(p *Policy) { p.RecencyWeight = math.Inf(1) }, []string{"recency_weight"}},
		{"field=relevance_weight/nan", func(p *Policy) { p.RelevanceWeight = math.NaN() }, []string{"relevance_weight"}},
		{"field=retention_floor/high", func(p *Policy) { p.RetentionFloor = 1.5 }, []string{"retention_floor"}},
		{"field=retention_floor/negative", func(p *Policy) { p.RetentionFloor = -0.01 }, []string{"retention_floor"}},
		{"field=spaced_repetition_factor", func(p *Policy) { p.SpacedRepetitionFactor = -1 }, []string{"spaced_repetition_factor"}},
		{"field=spaced_repetition_base_interval_seconds", func(p *Policy) { p.SpacedRepetitionBaseIntervalSeconds = -60 }, []string{"spaced_repetition_base_interval_seconds"}},
		{"case=several", func(p *Policy) {
			p.WorkingDecay = "x"
			p.HalfLifeHours.Semantic = 0
			p.RetentionFloor = 2
		}, []string{"half_life_hours.semantic", "retention_floor", "working_decay"}},
		{"case=zero_policy", func(p *Policy) { *p = Policy{} }, []string{
			"episodic_decay", "half_life_hours.episodic", "half_life_hours.procedural",
			"half_life_hours.semantic", "half_life_hours.working", "procedural_decay",
			"semantic_decay", "working_decay",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultPolicy()
			tc.edit(&p)
			err := p.Validate()
			got := reportedFields(t, err)
			if !reflect.DeepEqual(got, tc.fields) {
				t.Errorf("Validate reported fields %v, want %v (err: %v)", got, tc.fields, err)
			}
			if err != nil && !errors.Is(err, ErrInvalidPolicy) {
				t.Errorf("errors.Is(%v, ErrInvalidPolicy) = false", err)
			}
			if err != nil {
				var ve *ValidationError
				if !errors.As(err, &ve) || ve.Field == "" || ve.Reason == "" {
					t.Errorf("errors.As(*ValidationError) failed or empty: %#v", ve)
				}
			}
		})
	}
}

// reportedFields lists the Field of every *ValidationError in err, sorted.
func reportedFields(tb testing.TB, err error) []string {
	tb.Helper()
	if err == nil {
		return nil
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var fields []string
	for _, e := range errs {
		ve, ok := e.(*ValidationError)
		if !ok {
			tb.Fatalf("error %T %v is not a *ValidationError", e, e)
		}
		fields = append(fields, ve.Field)
	}
	sort.Strings(fields)
	return fields
}

func TestPolicyJSON(t *testing.T) {
	p := DefaultPolicy()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]any
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	wantKeys := []string{
		"episodic_decay", "half_life_hours", "importance_weight", "procedural_decay",
		"recency_weight", "relevance_weight", "retention_floor", "semantic_decay",
		"spaced_repetition_base_interval_seconds", "spaced_repetition_factor", "working_decay",
	}
	var gotKeys []string
	for k := range keys {
		gotKeys = append(gotKeys, k)
	}
	sort.Strings(gotKeys)
	if !reflect.DeepEqual(gotKeys, wantKeys) {
		t.Errorf("JSON keys = %v, want %v", gotKeys, wantKeys)
	}
	hl, ok := keys["half_life_hours"].(map[string]any)
	if !ok || hl["episodic"] != 168.0 || hl["working"] != 1.0 || hl["semantic"] != 2160.0 || hl["procedural"] != 4320.0 {
		t.Errorf("half_life_hours = %v", keys["half_life_hours"])
	}
	if keys["semantic_decay"] != "power_law" {
		t.Errorf("semantic_decay = %v, want power_law", keys["semantic_decay"])
	}

	var back Policy
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back != p {
		t.Errorf("round trip = %+v, want %+v", back, p)
	}
	// Merging a full policy onto a zero one gives it back, valid.
	merged, err := (Policy{}).Merge(b)
	if err != nil || merged != p {
		t.Errorf("Merge(full) = %+v, %v; want %+v", merged, err, p)
	}
}

func TestMerge(t *testing.T) {
	def := DefaultPolicy()
	tests := []struct {
		name  string
		patch string
		want  func(p *Policy) // edit of the default; nil when an error is expected
		field string          // the field an error names
	}{
		{"case=empty_object", `{}`, func(p *Policy) {}, ""},
		{"case=null", `null`, func(p *Policy) {}, ""},
		{"case=one_curve", `{"episodic_decay":"step"}`, func(p *Policy) { p.EpisodicDecay = Step }, ""},
		{"case=one_half_life", `{"half_life_hours":{"semantic":24}}`, func(p *Policy) { p.HalfLifeHours.Semantic = 24 }, ""},
		{"case=null_half_lives", `{"half_life_hours":null}`, func(p *Policy) {}, ""},
		{"case=null_field", `{"retention_floor":null}`, func(p *Policy) {}, ""},
		{"case=weights", `{"relevance_weight":1,"recency_weight":0,"importance_weight":0}`, func(p *Policy) {
			p.RelevanceWeight, p.RecencyWeight, p.ImportanceWeight = 1, 0, 0
		}, ""},
		{"case=spaced", `{"spaced_repetition_factor":0,"spaced_repetition_base_interval_seconds":86400}`, func(p *Policy) {
			p.SpacedRepetitionFactor, p.SpacedRepetitionBaseIntervalSeconds = 0, 86400
		}, ""},
		{"case=foreign_fields_ignored", `{"working_ttl_seconds":60,"dedup_on_store":true,"retention_floor":0.1}`, func(p *Policy) { p.RetentionFloor = 0.1 }, ""},
		{"case=bad_curve", `{"working_decay":"zigzag"}`, nil, "working_decay"},
		{"case=bad_half_life", `{"half_life_hours":{"working":0}}`, nil, "half_life_hours.working"},
		{"case=bad_floor", `{"retention_floor":3}`, nil, "retention_floor"},
		{"case=wrong_type", `{"retention_floor":"high"}`, nil, "retention_floor"},
		{"case=wrong_nested_type", `{"half_life_hours":{"episodic":"week"}}`, nil, "half_life_hours.episodic"},
		{"case=not_object", `[1,2]`, nil, ""},
		{"case=malformed", `{"retention_floor":`, nil, ""},
		{"case=empty", ``, nil, ""},
		{"case=trailing", `{} {}`, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := def.Merge([]byte(tc.patch))
			if tc.want == nil {
				var ve *ValidationError
				if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidPolicy) {
					t.Fatalf("Merge(%s) error = %v, want a *ValidationError", tc.patch, err)
				}
				if ve.Field != tc.field {
					t.Errorf("Merge(%s) field = %q, want %q (%v)", tc.patch, ve.Field, tc.field, err)
				}
				if got != def {
					t.Errorf("Merge(%s) returned %+v on error, want the receiver unchanged", tc.patch, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Merge(%s) = %v", tc.patch, err)
			}
			want := DefaultPolicy()
			tc.want(&want)
			if got != want {
				t.Errorf("Merge(%s) = %+v, want %+v", tc.patch, got, want)
			}
		})
	}
	// The receiver is a copy: merging never changes it.
	if def != DefaultPolicy() {
		t.Errorf("Merge changed its receiver: %+v", def)
	}
}

func TestKnownTypeAndCurve(t *testing.T) {
	for _, typ := range []string{Working, Episodic, Semantic, Procedural} {
		if !KnownType(typ) {
			t.Errorf("KnownType(%q) = false", typ)
		}
	}
	for _, typ := range []string{"", "Episodic", "long_term"} {
		if KnownType(typ) {
			t.Errorf("KnownType(%q) = true", typ)
		}
	}
	for _, c := range []Curve{Exponential, PowerLaw, Linear, Step, Logarithmic, Flat} {
		if !c.Valid() {
			t.Errorf("Curve(%q).Valid() = false", c)
		}
	}
	for _, c := range []Curve{"", "power-law", "EXPONENTIAL"} {
		if c.Valid() {
			t.Errorf("Curve(%q).Valid() = true", c)
		}
	}
}
