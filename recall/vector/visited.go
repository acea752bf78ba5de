package vector

// visited marks graph nodes seen during one search. Clearing is O(1): a
// search bumps the generation, and a node counts as visited only when its
// mark equals the current generation. Sets are pooled per graph.
type visited struct {
	marks []uint16
	gen   uint16
}

// reset prepares v for a search over n nodes.
func (v *visited) reset(n int) {
	if len(v.marks) < n {
		v.marks = make([]uint16, n+n/4+64)
		v.gen = 0
	}
	v.gen++
	if v.gen == 0 {
		clear(v.marks)
		v.gen = 1
	}
}

// visit marks s and reports whether it was already marked.
func (v *visited) visit(s uint32) bool {
	if v.marks[s] == v.gen {
		return true
	}
	v.marks[s] = v.gen
	return false
}
