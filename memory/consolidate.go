package memory

import (
	"context"
	"encoding/json"
	"sort"
)

// ConsolidateResult reports a consolidation pass.
type ConsolidateResult struct {
	// Consolidated are the merged memories, one per cluster (what they are
	// or, on a dry run, would be).
	Consolidated []*Memory
	// Sources are the ids of the memories merged away, per cluster.
	Sources [][]string
	Removed int
}

// maxConsolidate bounds the memories one consolidation pass examines.
const maxConsolidate = 20_000

// Consolidate merges clusters of near-duplicate memories of an agent (cosine
// similarity >= threshold between each member and some other member) into
// one memory each: the most important member (newest on ties) keeps its
// content; it takes the union of tags, the highest importance, the summed
// access counts and the earliest creation time; the others are forgotten.
// With dryRun nothing changes.
func (e *Engine) Consolidate(ctx context.Context, agentID string, threshold float64, dryRun bool) (*ConsolidateResult, error) {
	if threshold <= 0 || threshold > 1 {
		return nil, invalid("threshold", "must be in (0, 1]")
	}
	e.mu.RLock()
	var keys []uint64
	for k, r := range e.mems {
		if agentID == "" || r.AgentID == agentID {
			keys = append(keys, k)
		}
	}
	e.mu.RUnlock()
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	if len(keys) > maxConsolidate {
		keys = keys[:maxConsolidate]
	}
	inScope := make(map[uint64]bool, len(keys))
	for _, k := range keys {
		inScope[k] = true
	}
	parent := map[uint64]uint64{}
	var find func(uint64) uint64
	find = func(x uint64) uint64 {
		p, ok := parent[x]
		if !ok || p == x {
			return x
		}
		r := find(p)
		parent[x] = r
		return r
	}
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		v, ok := e.vec.Get(k)
		if !ok {
			continue
		}
		hits, err := e.vec.Search(v, 8, func(id uint64) bool { return id != k && inScope[id] })
		if err != nil {
			return nil, err
		}
		for _, h := range hits {
			if float64(h.Score) < threshold {
				break
			}
			a, b := find(k), find(h.ID)
			if a != b {
				parent[a] = b
				if _, ok := parent[b]; !ok {
					parent[b] = b
				}
			}
		}
	}
	clusters := map[uint64][]*record{}
	e.mu.RLock()
	for _, k := range keys {
		if _, ok := parent[k]; !ok {
			continue
		}
		if r := e.mems[k]; r != nil {
			root := find(k)
			clusters[root] = append(clusters[root], r)
		}
	}
	e.mu.RUnlock()
	res := &ConsolidateResult{}
	roots := make([]uint64, 0, len(clusters))
	for root, members := range clusters {
		if len(members) > 1 {
			roots = append(roots, root)
		}
	}
	sort.Slice(roots, func(i, j int) bool {
		if len(clusters[roots[i]]) != len(clusters[roots[j]]) {
			return len(clusters[roots[i]]) > len(clusters[roots[j]])
		}
		return roots[i] < roots[j]
	})
	for _, root := range roots {
		merged, victims := mergeCluster(clusters[root])
		ids := make([]string, len(victims))
		for i, v := range victims {
			ids[i] = v.ID
		}
		if !dryRun {
			vec, _ := e.vec.Get(merged.Key)
			e.writeMu.Lock()
			_, err := e.writeTxn(ctx, []*record{merged}, [][]float32{vec})
			written := err == nil
			if err == nil {
				err = e.deleteLocked(ctx, victims)
			}
			e.writeMu.Unlock()
			if written {
				// Like write: after writeMu is released (llmextract.go).
				e.queueModelExtraction([]*record{merged})
			}
			if err != nil {
				return nil, err
			}
		}
		m := merged.Memory
		res.Consolidated = append(res.Consolidated, &m)
		res.Sources = append(res.Sources, ids)
		res.Removed += len(victims)
	}
	return res, nil
}

// mergeCluster picks the keeper of a cluster and folds the others into it.
func mergeCluster(members []*record) (*record, []*record) {
	sort.Slice(members, func(i, j int) bool {
		a, b := members[i], members[j]
		if a.Importance != b.Importance {
			return a.Importance > b.Importance
		}
		if a.CreatedAt != b.CreatedAt {
			return a.CreatedAt > b.CreatedAt
		}
		return a.ID < b.ID
	})
	keep := *members[0]
	keep.Tags = append([]string{}, keep.Tags...)
	var merged []string
	for _, o := range members[1:] {
		for _, t := range o.Tags {
			if !contains(keep.Tags, t) && len(keep.Tags) < maxTags {
				keep.Tags = append(keep.Tags, t)
			}
		}
		keep.AccessCount += o.AccessCount
		keep.CreatedAt = min(keep.CreatedAt, o.CreatedAt)
		keep.LastAccessedAt = max(keep.LastAccessedAt, o.LastAccessedAt)
		merged = append(merged, o.ID)
	}
	md := map[string]json.RawMessage{}
	if len(keep.Metadata) > 0 {
		_ = json.Unmarshal(keep.Metadata, &md)
	}
	b, _ := json.Marshal(merged)
	md["consolidated_from"] = b
	keep.Metadata, _ = json.Marshal(md)
	return &keep, members[1:]
}

// duplicateOf returns the existing memory of the same agent whose vector is
// at least threshold similar to v, if any (dedup_on_store).
func (e *Engine) duplicateOf(agentID string, v []float32, threshold float64) *record {
	e.mu.RLock() // the filter reads e.mems (lock order: e.mu, then the vector index)
	hits, err := e.vec.Search(v, 1, func(id uint64) bool {
		r := e.mems[id]
		return r != nil && r.AgentID == agentID
	})
	e.mu.RUnlock()
	if err != nil || len(hits) == 0 || float64(hits[0].Score) < threshold {
		return nil
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.mems[hits[0].ID]
}
