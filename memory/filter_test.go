package memory_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/engramhq/engram/memory"
)

func meta(tb testing.TB, s string) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

func TestMetadataFilterMatch(t *testing.T) {
	md := `{"genre":"drama","year":2019,"rating":4.5,"tags":["a","b"],"draft":false,"none":null,"author":{"name":"ann","age":40}}`
	cases := []struct {
		name   string
		filter string
		want   bool
	}{
		{"empty", `{}`, true},
		{"null", `null`, true},
		{"shorthand", `{"genre":"drama"}`, true},
		{"shorthand_miss", `{"genre":"comedy"}`, false},
		{"eq_number", `{"year":{"$eq":2019}}`, true},
		{"eq_number_as_float", `{"year":{"$eq":2019.0}}`, true},
		{"eq_type_mismatch", `{"year":{"$eq":"2019"}}`, false},
		{"eq_bool", `{"draft":false}`, true},
		{"eq_null", `{"none":null}`, true},
		{"eq_missing", `{"nope":{"$eq":1}}`, false},
		{"ne_hit", `{"genre":{"$ne":"comedy"}}`, true},
		{"ne_miss", `{"genre":{"$ne":"drama"}}`, false},
		{"ne_missing", `{"nope":{"$ne":"x"}}`, true},
		{"gt", `{"year":{"$gt":2018}}`, true},
		{"gt_equal", `{"year":{"$gt":2019}}`, false},
		{"gte_equal", `{"year":{"$gte":2019}}`, true},
		{"lt", `{"rating":{"$lt":5}}`, true},
		{"lte_miss", `{"rating":{"$lte":4}}`, false},
		{"gt_string", `{"genre":{"$gt":"comedy"}}`, true},
		{"gt_wrong_type_field", `{"genre":{"$gt":1}}`, false},
		{"range", `{"year":{"$gte":2000,"$lt":2020}}`, true},
		{"range_miss", `{"year":{"$gte":2000,"$lt":2019}}`, false},
		{"in", `{"genre":{"$in":["drama","comedy"]}}`, true},
		{"in_miss", `{"genre":{"$in":["horror"]}}`, false},
		{"in_empty", `{"genre":{"$in":[]}}`, false},
		{"nin", `{"genre":{"$nin":["horror"]}}`, true},
		{"nin_miss", `{"genre":{"$nin":["drama"]}}`, false},
		{"nin_missing", `{"nope":{"$nin":["drama"]}}`, true},
		{"array_eq", `{"tags":"b"}`, true},
		{"array_in", `{"tags":{"$in":["z","a"]}}`, true},
		{"array_ne", `{"tags":{"$ne":"a"}}`, false},
		{"array_nin", `{"tags":{"$nin":["z"]}}`, true},
		{"nested_path", `{"author.name":"ann"}`, true},
		{"nested_gt", `{"author.age":{"$gt":30}}`, true},
		{"nested_missing", `{"author.email":"x"}`, false},
		{"and", `{"$and":[{"genre":"drama"},{"year":2019}]}`, true},
		{"and_miss", `{"$and":[{"genre":"drama"},{"year":2018}]}`, false},
		{"or", `{"$or":[{"genre":"comedy"},{"year":2019}]}`, true},
		{"or_miss", `{"$or":[{"genre":"comedy"},{"year":2018}]}`, false},
		{"implicit_and", `{"genre":"drama","year":{"$lt":2000}}`, false},
		{"nested_logic", `{"$or":[{"$and":[{"genre":"drama"},{"rating":{"$gte":4}}]},{"draft":true}]}`, true},
		{"empty_in_and", `{"$and":[{}]}`, true},
	}
	m := meta(t, md)
	for _, c := range cases {
		t.Run("case="+c.name, func(t *testing.T) {
			f, err := memory.ParseMetadataFilter(json.RawMessage(c.filter))
			if err != nil {
				t.Fatalf("parse %s: %v", c.filter, err)
			}
			if got := f.Match(m); got != c.want {
				t.Fatalf("Match(%s) = %v, want %v", c.filter, got, c.want)
			}
		})
	}
	t.Run("case=no_metadata", func(t *testing.T) {
		f, err := memory.ParseMetadataFilter(json.RawMessage(`{"genre":{"$ne":"x"},"year":{"$nin":[1]}}`))
		if err != nil {
			t.Fatal(err)
		}
		if !f.Match(nil) {
			t.Fatal("$ne/$nin on missing metadata should match")
		}
		g, _ := memory.ParseMetadataFilter(json.RawMessage(`{"genre":"x"}`))
		if g.Match(nil) {
			t.Fatal("$eq on missing metadata should not match")
		}
	})
}

func TestParseMetadataFilterErrors(t *testing.T) {
	deep := `{"a":1}`
	for i := 0; i <= memory.MaxFilterDepth; i++ {
		deep = `{"$and":[` + deep + `]}`
	}
	many := make([]string, memory.MaxFilterClauses+1)
	for i := range many {
		many[i] = fmt.Sprintf(`{"f%d":1}`, i)
	}
	cases := []struct {
		name, filter, field string
	}{
		{"not_object", `[1]`, "filter"},
		{"string", `"x"`, "filter"},
		{"malformed", `{"a":`, "filter"},
		{"trailing", `{"a":1} {}`, "filter"},
		{"unknown_top_op", `{"$not":{"a":1}}`, "filter.$not"},
		{"unknown_field_op", `{"a":{"$regex":"x"}}`, "filter.a.$regex"},
		{"eq_object", `{"a":{"$eq":{"b":1}}}`, "filter.a.$eq"},
		{"eq_array", `{"a":{"$eq":[1]}}`, "filter.a.$eq"},
		{"shorthand_array", `{"a":[1,2]}`, "filter.a"},
		{"gt_bool", `{"a":{"$gt":true}}`, "filter.a.$gt"},
		{"gt_null", `{"a":{"$lte":null}}`, "filter.a.$lte"},
		{"in_not_array", `{"a":{"$in":"x"}}`, "filter.a.$in"},
		{"nin_nested", `{"a":{"$nin":[1,[2]]}}`, "filter.a.$nin[1]"},
		{"and_not_array", `{"$and":{"a":1}}`, "filter.$and"},
		{"and_empty", `{"$and":[]}`, "filter.$and"},
		{"or_item_not_object", `{"$or":[{"a":1},2]}`, "filter.$or[1]"},
		{"nested_error_path", `{"$and":[{"a":1},{"$or":[{"b":{"$foo":1}}]}]}`, "filter.$and[1].$or[0].b.$foo"},
		{"empty_ops", `{"a":{}}`, "filter.a"},
		{"empty_field", `{"":1}`, "filter."},
		{"too_deep", deep, ""},
		{"too_many", `{"$and":[` + strings.Join(many, ",") + `]}`, ""},
	}
	for _, c := range cases {
		t.Run("case="+c.name, func(t *testing.T) {
			_, err := memory.ParseMetadataFilter(json.RawMessage(c.filter))
			var ve *memory.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *ValidationError", err)
			}
			if !strings.HasPrefix(ve.Field, "filter") {
				t.Fatalf("field %q does not name filter", ve.Field)
			}
			if c.field != "" && ve.Field != c.field {
				t.Fatalf("field = %q, want %q (%s)", ve.Field, c.field, ve.Reason)
			}
		})
	}
}

// FuzzParseFilter checks that parsing never panics and that a
// parsed filter evaluates any metadata object without panicking.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1}`, `{"a":{"$gt":1,"$lt":"z"}}`, `{"$or":[{"a":{"$in":[1,"x",null,true]}},{"b.c":{"$ne":false}}]}`,
		`{"$and":[{"$and":[{"x":{"$nin":[]}}]}]}`, `[`, `null`, `{"a":{"$eq":1e400}}`,
	} {
		f.Add(s, `{"a":1,"b":{"c":[1,"x",{"d":null}]},"x":"y"}`)
	}
	f.Fuzz(func(t *testing.T, filter, md string) {
		flt, err := memory.ParseMetadataFilter(json.RawMessage(filter))
		if err != nil {
			var ve *memory.ValidationError
			if !errors.As(err, &ve) || !strings.HasPrefix(ve.Field, "filter") {
				t.Fatalf("error %v is not a filter ValidationError", err)
			}
			return
		}
		var m map[string]any
		if json.Unmarshal([]byte(md), &m) != nil {
			m = nil
		}
		flt.Match(m)
	})
}
