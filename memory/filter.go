package memory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Limits of a metadata filter.
const (
	// MaxFilterDepth bounds the nesting of $and/$or inside a filter.
	MaxFilterDepth = 16
	// MaxFilterClauses bounds the comparisons and $and/$or nodes of a filter.
	MaxFilterClauses = 256
)

// MetadataFilter is a parsed metadata filter (API.md "Namespace documents"):
//
//	{"field": {"$eq"|"$ne"|"$gt"|"$gte"|"$lt"|"$lte"|"$in"|"$nin": v}, "$and": [..], "$or": [..]}
//
// A field compared with a bare value ({"field": v}) means $eq. The keys of
// one object, and the operators of one field, must all hold (AND). A field
// name is looked up as a top-level metadata key first, then as a
// dot-separated path into nested objects. $eq/$ne take a string, number,
// boolean or null; $gt/$gte/$lt/$lte a number or string (compared with
// values of the same type only); $in/$nin an array of such scalars. A
// metadata array field matches $eq/$in when any element does, and $ne/$nin
// when no element does; comparisons match when any element does. A missing field fails every operator but $ne and
// $nin. The zero MetadataFilter (and a nil *MetadataFilter) matches everything.
//
// Filters are immutable once parsed and safe for concurrent use.
type MetadataFilter struct {
	root *fnode
}

type fnode struct {
	op    string // "$and", "$or" or a comparison operator
	field string
	path  []string // field split at dots, for nested lookup
	kids  []*fnode
	val   any   // scalar operand
	vals  []any // $in/$nin operands
}

// ParseMetadataFilter parses a JSON filter. Empty input and null give a nil
// filter, which matches everything. Errors are *ValidationError whose
// Field is "filter" followed by the path of the offending part, e.g.
// "filter.$and[1].price.$gt".
func ParseMetadataFilter(raw json.RawMessage) (*MetadataFilter, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, invalid("filter", "malformed JSON")
	}
	if dec.More() {
		return nil, invalid("filter", "malformed JSON")
	}
	p := &filterParser{}
	n, err := p.object(v, "filter", 0)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return nil, nil
	}
	return &MetadataFilter{root: n}, nil
}

type filterParser struct {
	clauses int
}

func (p *filterParser) count(path string) error {
	p.clauses++
	if p.clauses > MaxFilterClauses {
		return invalid(path, "filter has more than %d clauses", MaxFilterClauses)
	}
	return nil
}

// object parses a filter object: implicit AND of its keys. An empty
// object gives nil (no condition).
func (p *filterParser) object(v any, path string, depth int) (*fnode, error) {
	if depth > MaxFilterDepth {
		return nil, invalid(path, "filter nests deeper than %d levels", MaxFilterDepth)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalid(path, "must be an object")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic error paths
	var kids []*fnode
	for _, k := range keys {
		n, err := p.entry(k, m[k], path, depth)
		if err != nil {
			return nil, err
		}
		if n != nil {
			kids = append(kids, n)
		}
	}
	switch len(kids) {
	case 0:
		return nil, nil
	case 1:
		return kids[0], nil
	}
	return &fnode{op: "$and", kids: kids}, nil
}

func (p *filterParser) entry(k string, v any, path string, depth int) (*fnode, error) {
	sub := path + "." + k
	switch k {
	case "$and", "$or":
		if err := p.count(sub); err != nil {
			return nil, err
		}
		arr, ok := v.([]any)
		if !ok || len(arr) == 0 {
			return nil, invalid(sub, "must be a non-empty array of filters")
		}
		n := &fnode{op: k}
		for i, x := range arr {
			kid, err := p.object(x, fmt.Sprintf("%s[%d]", sub, i), depth+1)
			if err != nil {
				return nil, err
			}
			if kid == nil {
				kid = &fnode{op: "$and"} // {} inside $and/$or: always true
			}
			n.kids = append(n.kids, kid)
		}
		return n, nil
	}
	if k == "" {
		return nil, invalid(sub, "field name must not be empty")
	}
	if strings.HasPrefix(k, "$") {
		return nil, invalid(sub, "unknown operator %q", k)
	}
	ops, ok := v.(map[string]any)
	if !ok {
		if err := p.count(sub); err != nil {
			return nil, err
		}
		return p.compare(k, "$eq", v, sub)
	}
	if len(ops) == 0 {
		return nil, invalid(sub, "must hold at least one operator")
	}
	names := make([]string, 0, len(ops))
	for op := range ops {
		names = append(names, op)
	}
	sort.Strings(names)
	var kids []*fnode
	for _, op := range names {
		if err := p.count(sub + "." + op); err != nil {
			return nil, err
		}
		n, err := p.compare(k, op, ops[op], sub+"."+op)
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	return &fnode{op: "$and", kids: kids}, nil
}

func (p *filterParser) compare(field, op string, v any, path string) (*fnode, error) {
	n := &fnode{op: op, field: field, path: strings.Split(field, ".")}
	switch op {
	case "$eq", "$ne":
		s, ok := scalar(v)
		if !ok {
			return nil, invalid(path, "%s takes a string, number, boolean or null", op)
		}
		n.val = s
	case "$gt", "$gte", "$lt", "$lte":
		s, ok := scalar(v)
		if !ok {
			return nil, invalid(path, "%s takes a number or a string", op)
		}
		switch s.(type) {
		case float64, string:
		default:
			return nil, invalid(path, "%s takes a number or a string", op)
		}
		n.val = s
	case "$in", "$nin":
		arr, ok := v.([]any)
		if !ok {
			return nil, invalid(path, "%s takes an array", op)
		}
		if len(arr) > MaxFilterClauses {
			return nil, invalid(path, "%s takes at most %d values", op, MaxFilterClauses)
		}
		for i, x := range arr {
			s, ok := scalar(x)
			if !ok {
				return nil, invalid(fmt.Sprintf("%s[%d]", path, i), "must be a string, number, boolean or null")
			}
			n.vals = append(n.vals, s)
		}
	default:
		return nil, invalid(path, "unknown operator %q", op)
	}
	return n, nil
}

// scalar converts a decoded JSON scalar to string, float64, bool or nil.
func scalar(v any) (any, bool) {
	switch x := v.(type) {
	case nil, string, bool:
		return x, true
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, false
		}
		return f, true
	}
	return nil, false
}

// Match reports whether metadata md (a decoded JSON object; nil for none)
// satisfies the filter.
func (f *MetadataFilter) Match(md map[string]any) bool {
	if f == nil || f.root == nil {
		return true
	}
	return f.root.match(md)
}

func (n *fnode) match(md map[string]any) bool {
	switch n.op {
	case "$and":
		for _, k := range n.kids {
			if !k.match(md) {
				return false
			}
		}
		return true
	case "$or":
		for _, k := range n.kids {
			if k.match(md) {
				return true
			}
		}
		return false
	}
	v, ok := lookup(md, n.field, n.path)
	switch n.op {
	case "$ne":
		return !ok || !anyElem(v, func(x any) bool { return equal(x, n.val) })
	case "$nin":
		return !ok || !anyElem(v, func(x any) bool { return in(x, n.vals) })
	}
	if !ok {
		return false
	}
	switch n.op {
	case "$eq":
		return anyElem(v, func(x any) bool { return equal(x, n.val) })
	case "$in":
		return anyElem(v, func(x any) bool { return in(x, n.vals) })
	}
	return anyElem(v, func(x any) bool {
		c, ok := order(x, n.val)
		if !ok {
			return false
		}
		switch n.op {
		case "$gt":
			return c > 0
		case "$gte":
			return c >= 0
		case "$lt":
			return c < 0
		case "$lte":
			return c <= 0
		}
		return false
	})
}

func lookup(md map[string]any, field string, path []string) (any, bool) {
	if v, ok := md[field]; ok {
		return v, true
	}
	if len(path) < 2 {
		return nil, false
	}
	var cur any = md
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// anyElem applies pred to v, or to each element when v is an array.
func anyElem(v any, pred func(any) bool) bool {
	if arr, ok := v.([]any); ok {
		for _, x := range arr {
			if pred(x) {
				return true
			}
		}
		return false
	}
	return pred(v)
}

func in(x any, vals []any) bool {
	for _, v := range vals {
		if equal(x, v) {
			return true
		}
	}
	return false
}

// equal compares a metadata value with a scalar operand.
func equal(x, op any) bool {
	x = num(x)
	switch o := op.(type) {
	case nil:
		return x == nil
	case string:
		s, ok := x.(string)
		return ok && s == o
	case bool:
		b, ok := x.(bool)
		return ok && b == o
	case float64:
		f, ok := x.(float64)
		return ok && f == o
	}
	return false
}

// order compares a metadata value with a number or string operand: -1, 0,
// +1, and false when their types differ.
func order(x, op any) (int, bool) {
	x = num(x)
	switch o := op.(type) {
	case float64:
		f, ok := x.(float64)
		if !ok {
			return 0, false
		}
		switch {
		case f < o:
			return -1, true
		case f > o:
			return 1, true
		}
		return 0, true
	case string:
		s, ok := x.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(s, o), true
	}
	return 0, false
}

// num turns json.Number (and Go integer types) into float64.
func num(x any) any {
	switch v := x.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return nil
		}
		return f
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case float32:
		return float64(v)
	}
	return x
}
