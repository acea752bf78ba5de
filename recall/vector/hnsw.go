package vector

// graph is the HNSW graph (stub until implemented).
type graph struct{}

func (g *graph) add(ix *Index, s uint32) {}

func (ix *Index) buildGraph() {}

func (ix *Index) maybeRebuild() {}

func (ix *Index) searchGraph(q []float32, k, ef int, filter func(uint64) bool) ([]cand, bool) {
	return nil, false
}
