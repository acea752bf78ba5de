package vector

// cand is a node (arena slot) and its distance to the query; lower is closer.
type cand struct {
	d float32
	s uint32
}

// maxHeap keeps the farthest candidate on top. Used as the bounded result
// set: while it holds k items, a closer candidate replaces the top.
type maxHeap []cand

func (h *maxHeap) push(c cand) {
	*h = append(*h, c)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p].d >= a[i].d {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *maxHeap) pop() cand {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	*h = a[:n]
	a = a[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && a[r].d > a[l].d {
			m = r
		}
		if a[i].d >= a[m].d {
			break
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
	return top
}

// offer keeps the k closest candidates seen so far.
func (h *maxHeap) offer(c cand, k int) {
	if len(*h) < k {
		h.push(c)
		return
	}
	if c.d < (*h)[0].d {
		(*h)[0] = c
		h.siftDown()
	}
}

func (h maxHeap) siftDown() {
	n := len(h)
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h[r].d > h[l].d {
			m = r
		}
		if h[i].d >= h[m].d {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// minHeap keeps the closest candidate on top: the HNSW frontier.
type minHeap []cand

func (h *minHeap) push(c cand) {
	*h = append(*h, c)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p].d <= a[i].d {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *minHeap) pop() cand {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	*h = a
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && a[r].d < a[l].d {
			m = r
		}
		if a[i].d <= a[m].d {
			break
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
	return top
}
