package httpapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/engramhq/engram/memory"
)

// plainStoreRequest is batchStoreRequest with a plain slice: the bounded
// decoder must answer like it for everything but the item count.
type plainStoreRequest struct {
	AgentID   string              `json:"agent_id"`
	Namespace string              `json:"namespace"`
	Memories  []memory.StoreInput `json:"memories"`
}

func items(n int, item string) string {
	var b strings.Builder
	b.WriteString(`{"agent_id":"a","memories":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(item)
	}
	b.WriteString(`]}`)
	return b.String()
}

func apiError(tb testing.TB, err error) *Error {
	tb.Helper()
	var e *Error
	if !errors.As(err, &e) {
		tb.Fatalf("error %v is not an *Error", err)
	}
	return e
}

func TestBatchDecodeLikePlainSlice(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"case=ok", items(3, `{"content":"x","tags":["a"]}`)},
		{"case=empty", `{"memories":[]}`},
		{"case=null", `{"memories":null}`},
		{"case=absent", `{"agent_id":"a"}`},
		{"case=not_array", `{"memories":{"content":"x"}}`},
		{"case=string", `{"memories":"x"}`},
		{"case=item_not_object", `{"memories":[1]}`},
		{"case=item_field_type", `{"memories":[{"content":"x"},{"tags":"a"}]}`},
		{"case=item_nested_type", `{"memories":[{"importance":"high"}]}`},
		{"case=malformed", `{"memories":[{"content":"x"},]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got batchStoreRequest
			var want plainStoreRequest
			gotErr := decodeBytes([]byte(tc.body), &got)
			wantErr := decodeBytes([]byte(tc.body), &want)
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("error = %v, want %v", gotErr, wantErr)
			}
			if wantErr != nil {
				g, w := apiError(t, gotErr), apiError(t, wantErr)
				if *g != *w {
					t.Fatalf("error = %+v, want %+v", *g, *w)
				}
				return
			}
			if len(got.Memories) != len(want.Memories) || (got.Memories == nil) != (want.Memories == nil) {
				t.Fatalf("memories = %#v, want %#v", got.Memories, want.Memories)
			}
			for i := range want.Memories {
				if got.Memories[i].Content != want.Memories[i].Content || len(got.Memories[i].Tags) != len(want.Memories[i].Tags) {
					t.Fatalf("memory %d = %+v, want %+v", i, got.Memories[i], want.Memories[i])
				}
			}
		})
	}
}

func TestBatchDecodeLimit(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		ok   bool
	}{
		{"n=1000", 1000, true},
		{"n=1001", 1001, false},
		{"n=200000", 200_000, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var req batchStoreRequest
			err := decodeBytes([]byte(items(tc.n, `{"content":"x"}`)), &req)
			if tc.ok {
				if err != nil || len(req.Memories) != tc.n {
					t.Fatalf("err = %v, %d memories", err, len(req.Memories))
				}
				return
			}
			e := apiError(t, err)
			want := badRequest("memories", "must hold at most 1000 memories")
			if *e != *want {
				t.Fatalf("error = %+v, want %+v", *e, *want)
			}
		})
	}
}

// TestBatchDecodeStopsEarly checks that refusing a huge array allocates
// for at most the items allowed, not for every item sent.
func TestBatchDecodeStopsEarly(t *testing.T) {
	small := []byte(items(maxBatchItems+1, `{"content":"x"}`))
	huge := []byte(items(100*maxBatchItems, `{"content":"x"}`))
	allocs := func(body []byte) float64 {
		return testing.AllocsPerRun(2, func() {
			var req batchStoreRequest
			_ = decodeBytes(body, &req)
		})
	}
	a, b := allocs(small), allocs(huge)
	// Decoding the huge array whole would allocate at least once per item:
	// 100,000 times.
	if b > 2*a+100 {
		t.Fatalf("refusing %d items allocated %.0f times, %d items %.0f times", 100*maxBatchItems, b, maxBatchItems+1, a)
	}
	ids := []byte(`{"memory_ids":["` + strings.Repeat(`m","`, 100*maxBatchItems) + `m"]}`)
	var fr forgetRequest
	e := apiError(t, decodeBytes(ids, &fr))
	if want := badRequest("memory_ids", "at most 1000 ids"); *e != *want {
		t.Fatalf("forget error = %+v, want %+v", *e, *want)
	}
}
