package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// maxBatchItems bounds the items of one batch request (capabilities
// report it as max_batch_items).
const maxBatchItems = 1000

// batch is a JSON array field of at most L's limit items, decoded one item
// at a time: the first item past the limit stops the decoding with the
// 400 the handler answers for too many items, so a huge array costs one
// scan of its bytes (encoding/json checks the body is valid JSON first),
// never an allocation per item. null decodes to nil.
type batch[T any, L batchLimit] []T

// batchLimit names a batch field and its limit.
type batchLimit interface {
	// limit returns the most items allowed, and the field and reason of
	// the error for more.
	limit() (max int, field, reason string)
}

type memoriesLimit struct{}

func (memoriesLimit) limit() (int, string, string) {
	return maxBatchItems, "memories", "must hold at most 1000 memories"
}

type memoryIDsLimit struct{}

func (memoryIDsLimit) limit() (int, string, string) {
	return maxBatchItems, "memory_ids", "at most 1000 ids"
}

// The namespace-document batches; their texts match the checks in memory
// (docs_write.go, docs_query.go) for a store's default MaxBatch.
type (
	vectorsLimit   struct{}
	documentsLimit struct{}
	queriesLimit   struct{}
	idsLimit       struct{}
)

func (vectorsLimit) limit() (int, string, string) {
	return maxBatchItems, "vectors", "at most 1000 items per request"
}

func (documentsLimit) limit() (int, string, string) {
	return maxBatchItems, "documents", "at most 1000 items per request"
}

func (queriesLimit) limit() (int, string, string) {
	return maxBatchItems, "queries", "at most 1000 queries per request"
}

func (idsLimit) limit() (int, string, string) {
	return maxBatchItems, "ids", "at most 1000 ids per request"
}

func (b *batch[T, L]) UnmarshalJSON(data []byte) error {
	var l L
	limit, field, reason := l.limit()
	if string(data) == "null" {
		*b = nil
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return &fieldError{field, "must be an array"}
	}
	out := make([]T, 0, min(16, limit))
	for dec.More() {
		if len(out) == limit {
			return &fieldError{field, reason}
		}
		var item T
		if err := dec.Decode(&item); err != nil {
			return itemError(field, err)
		}
		out = append(out, item)
	}
	if _, err := dec.Token(); err != nil && !errors.Is(err, io.EOF) {
		return &fieldError{field, "must be an array"}
	}
	*b = out
	return nil
}

// itemError is the error of an item that did not decode: a wrong type is
// reported under the batch field's path, as encoding/json reports it for
// a plain slice; a field's own error passes through.
func itemError(field string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &json.UnmarshalTypeError{Value: te.Value, Type: te.Type, Offset: te.Offset, Struct: te.Struct, Field: te.Field}
	}
	var fe *fieldError
	if errors.As(err, &fe) {
		return fe
	}
	return &fieldError{field, "malformed item"}
}
