package vector

import (
	"runtime"
	"sync"
)

// parallelScanMin is the slot count above which an exact scan is split
// across GOMAXPROCS goroutines.
const parallelScanMin = 20000

// exact scans every live slot and returns the k closest admitted candidates,
// unordered. The caller holds at least the read lock.
func (ix *Index) exact(q []float32, k int, filter func(uint64) bool) []cand {
	return ix.exactWorkers(q, k, filter, runtime.GOMAXPROCS(0))
}

// exactWorkers is exact with at most workers goroutines.
func (ix *Index) exactWorkers(q []float32, k int, filter func(uint64) bool, workers int) []cand {
	n := len(ix.ids)
	if n < parallelScanMin || workers < 2 {
		h := make(maxHeap, 0, min(k, n)+1)
		ix.scan(q, 0, n, k, filter, &h)
		return h
	}
	workers = min(workers, n/(parallelScanMin/4))
	heaps := make([]maxHeap, workers)
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		heaps[w] = make(maxHeap, 0, min(k, hi-lo)+1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ix.scan(q, lo, hi, k, filter, &heaps[w])
		}()
	}
	wg.Wait()
	h := heaps[0]
	for _, o := range heaps[1:] {
		for _, c := range o {
			h.offer(c, k)
		}
	}
	return h
}

// scan offers slots [lo, hi) to h, keeping the k closest.
func (ix *Index) scan(q []float32, lo, hi, k int, filter func(uint64) bool, h *maxHeap) {
	dim := ix.opts.Dim
	vecs, ids, dead, dist := ix.vecs, ix.ids, ix.dead, ix.dist
	for s := lo; s < hi; s++ {
		if dead != nil && dead[s] {
			continue
		}
		if filter != nil && !filter(ids[s]) {
			continue
		}
		o := s * dim
		d := dist(q, vecs[o:o+dim:o+dim])
		if len(*h) < k {
			h.push(cand{d: d, s: uint32(s)})
		} else if d < (*h)[0].d {
			(*h)[0] = cand{d: d, s: uint32(s)}
			h.siftDown()
		}
	}
}
