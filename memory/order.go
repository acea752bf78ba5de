package memory

import (
	"slices"
	"strings"
)

// Conversation order. A stream is one agent's memories in one session (or
// the agent's memories outside any session), ordered by (created_at, seq,
// key): the order of the precedes edges. The engine keeps every stream
// sorted as memories are written and forgotten, so the memory before or
// after another is found in O(log n) instead of by a scan.
//
// Recall uses the order for replies: in a conversation the answer to a
// question is the turn that follows it, and it often shares no word with
// the question ("How long have you been married?" / "5 years already!").
// A memory that asks a question lends part of its relevance to the memory
// that follows it in its stream (RecallInput.ContextWeight), and every
// memory lends a smaller part to the memories beside it (neighbourShare).

type streamKey struct{ agent, session string }

// streams maps each stream to its memory keys in order.
type streams map[streamKey][]uint64

func streamOf(r *record) streamKey { return streamKey{r.AgentID, r.SessionID} }

// orderBefore is the stream order of two records.
func orderBefore(a, b *record) bool {
	if a.CreatedAt != b.CreatedAt {
		return a.CreatedAt < b.CreatedAt
	}
	if a.Seq != b.Seq {
		return a.Seq < b.Seq
	}
	return a.Key < b.Key
}

// position finds r in its stream: the index of r's key when present, or
// where r belongs. mems resolves the other keys of the stream.
func (s streams) position(mems map[uint64]*record, r *record) (keys []uint64, i int, found bool) {
	keys = s[streamOf(r)]
	i, found = slices.BinarySearchFunc(keys, r, func(k uint64, r *record) int {
		if k == r.Key {
			return 0
		}
		o := mems[k]
		if o == nil || orderBefore(o, r) {
			return -1
		}
		return 1
	})
	return keys, i, found && keys[i] == r.Key
}

// relinkLocked updates what the engine derives from its memories in memory,
// the conversation order and the speaker labels, for a write: old is the
// memory's record before the write (nil for a new memory), r after (nil
// when forgotten). Call it with e.mu held for writing, before e.mems is
// updated, so that the stream still resolves old through e.mems.
func (e *Engine) relinkLocked(old, r *record) {
	e.reorderLocked(old, r)
	e.speakers.replace(old, r)
}

// reorderLocked moves a memory in the order (see relinkLocked).
func (e *Engine) reorderLocked(old, r *record) {
	if old != nil {
		if keys, i, ok := e.order.position(e.mems, old); ok {
			sk := streamOf(old)
			if len(keys) == 1 {
				delete(e.order, sk)
			} else {
				e.order[sk] = slices.Delete(keys, i, i+1)
			}
		}
	}
	if r == nil {
		return
	}
	sk := streamOf(r)
	keys, i, ok := e.order.position(e.mems, r)
	if ok {
		return
	}
	if i == len(keys) {
		e.order[sk] = append(keys, r.Key) // the common case: turns arrive in order
		return
	}
	e.order[sk] = slices.Insert(keys, i, r.Key)
}

// buildOrder sorts every stream of mems (at open).
func buildOrder(mems map[uint64]*record) streams {
	s := streams{}
	for k, r := range mems {
		sk := streamOf(r)
		s[sk] = append(s[sk], k)
	}
	for _, keys := range s {
		slices.SortFunc(keys, func(a, b uint64) int {
			switch ra, rb := mems[a], mems[b]; {
			case orderBefore(ra, rb):
				return -1
			case orderBefore(rb, ra):
				return 1
			}
			return 0
		})
	}
	return s
}

// neighboursInOrderLocked finds the memories just before and after r in its
// stream. Call it with e.mu held.
func (e *Engine) neighboursInOrderLocked(r *record) (prev, next *record) {
	keys, i, ok := e.order.position(e.mems, r)
	if !ok {
		return nil, nil
	}
	if i > 0 {
		prev = e.mems[keys[i-1]]
	}
	if i+1 < len(keys) {
		next = e.mems[keys[i+1]]
	}
	return prev, next
}

// asksQuestion reports whether content asks something: a question mark that
// ends a sentence (not one inside a URL or a word).
func asksQuestion(content string) bool {
	for i := strings.IndexByte(content, '?'); i >= 0; {
		if i+1 == len(content) {
			return true
		}
		switch content[i+1] {
		case ' ', '\n', '\t', '\r', '"', '\'', ')', ']', '!', '?':
			return true
		}
		j := strings.IndexByte(content[i+1:], '?')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// neighbourShare is the part of the context weight that every memory, not
// only a question, lends to each memory beside it in its stream: a turn is
// often understood only with the one before or after it ("How did Jon feel
// about the opening night?" is answered by "I'm excited! It's been a wild
// ride", two lines after the one that names the opening night). Measured on
// the LoCoMo development conversations with the question share at 0.5:
// hybrid recall@10 0.762 without it, 0.767–0.775 for neighbour weights
// 0.1–0.3 in either or both directions; 0.5/3 both ways gave 0.774.
const neighbourShare = 1.0 / 3

// lent is one lend of relevance: from which memory, how much, and whether
// the lender asks a question the raised memory answers.
type lent struct {
	from     uint64
	amount   float64
	question bool
}

// lendContextLocked raises the fused memories' neighbours in their
// conversation stream: the memory that follows a question gets w·rel of
// the question's relevance, whether it was a candidate or not (a reply
// rarely repeats the question's words); and every memory lends
// w·neighbourShare·rel to the memory before and the memory after it when
// that one is a candidate already (so a search for one word does not
// return the lines around its match). Lends combine as
// 1-(1-rel)·Π(1-amount), so relevances stay within [0,1] and never fall.
// It returns, for each raised memory, its largest lender. keep filters the
// replies as the request does. Call it with e.mu held.
func (e *Engine) lendContextLocked(fused map[uint64]float64, w float64, keep func(uint64) bool) map[uint64]lent {
	// The lends are computed before any is applied, so a memory passes on
	// only its own relevance, never what it was lent.
	type lend struct {
		to uint64
		lent
	}
	var lends []lend
	for k, rel := range fused {
		r := e.mems[k]
		if r == nil || rel <= 0 {
			continue
		}
		prev, next := e.neighboursInOrderLocked(r)
		for _, n := range []*record{prev, next} {
			if n == nil {
				continue
			}
			if _, candidate := fused[n.Key]; candidate {
				lends = append(lends, lend{n.Key, lent{from: k, amount: w * neighbourShare * rel}})
			}
		}
		if next != nil && keep(next.Key) && asksQuestion(r.Content) {
			lends = append(lends, lend{next.Key, lent{from: k, amount: w * rel, question: true}})
		}
	}
	if len(lends) == 0 {
		return nil
	}
	largest := make(map[uint64]lent, len(lends))
	for _, l := range lends {
		fused[l.to] = 1 - (1-fused[l.to])*(1-l.amount)
		if l.amount > largest[l.to].amount {
			largest[l.to] = l.lent
		}
	}
	return largest
}
