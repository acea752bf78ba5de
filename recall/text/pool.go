package text

import (
	"container/list"
	"fmt"
	"sync"
)

// Pool keeps at most max indexes open, least recently used first out, so a
// server with many namespaces holds a bounded number of Bleve indexes (each
// has goroutines, file handles and caches). An index in use is never
// closed: if more than max are in use at once the pool holds all of them
// and shrinks back as they are released. So at any moment the number of
// open indexes is at most max(max, number in use).
type Pool struct {
	open func(name string) (*Index, error)
	max  int

	mu      sync.Mutex
	closed  bool
	entries map[string]*poolEntry
	lru     *list.List               // of *poolEntry, most recent at front
	closing map[string]chan struct{} // evicted, Close still running
	live    sync.WaitGroup           // one per entry until its index is closed
}

type poolEntry struct {
	name  string
	refs  int
	elem  *list.Element
	ready chan struct{} // closed when ix/err are set
	ix    *Index
	err   error
}

// NewPool returns a pool of at most max open indexes (max < 1 means 1).
// open opens the index of a name, typically with Open(dir(name),
// key(name), opts); it runs outside the pool's lock, once per name at a
// time.
func NewPool(max int, open func(name string) (*Index, error)) *Pool {
	if max < 1 {
		max = 1
	}
	return &Pool{
		open:    open,
		max:     max,
		entries: map[string]*poolEntry{},
		lru:     list.New(),
		closing: map[string]chan struct{}{},
	}
}

// Get returns the open index of name, opening it if needed, and a release
// function that must be called once the caller is done with it (calling it
// again does nothing). The index stays open until released.
func (p *Pool) Get(name string) (*Index, func(), error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, nil, ErrClosed
	}
	if e, ok := p.entries[name]; ok {
		e.refs++
		p.lru.MoveToFront(e.elem)
		p.mu.Unlock()
		<-e.ready
		if e.err != nil {
			p.release(e)
			return nil, nil, e.err
		}
		return e.ix, p.releaser(e), nil
	}
	e := &poolEntry{name: name, refs: 1, ready: make(chan struct{})}
	e.elem = p.lru.PushFront(e)
	p.entries[name] = e
	p.live.Add(1) // before Close can Wait; Done when closed or failed
	evicted := p.evictLocked()
	wait := p.closing[name]
	p.mu.Unlock()

	p.closeEntries(evicted)
	if wait != nil {
		<-wait
	}
	ix, err := p.open(name)
	if err == nil && ix == nil {
		err = fmt.Errorf("%w: pool open returned no index", ErrInvalid)
	}
	p.mu.Lock()
	e.ix, e.err = ix, err
	if err != nil {
		p.dropLocked(e)
	}
	close(e.ready)
	p.mu.Unlock()
	if err != nil {
		p.live.Done()
		return nil, nil, err
	}
	return ix, p.releaser(e), nil
}

func (p *Pool) releaser(e *poolEntry) func() {
	var once sync.Once
	return func() { once.Do(func() { p.release(e) }) }
}

func (p *Pool) release(e *poolEntry) {
	p.mu.Lock()
	e.refs--
	var evicted []*poolEntry
	if p.closed && e.refs == 0 && e.err == nil && p.entries[e.name] == e {
		p.dropLocked(e)
		evicted = append(evicted, e)
	}
	evicted = append(evicted, p.evictLocked()...)
	p.mu.Unlock()
	p.closeEntries(evicted)
}

// evictLocked removes idle, opened entries from the back of the LRU list
// while more than max are held. The caller closes the returned entries
// after unlocking.
func (p *Pool) evictLocked() []*poolEntry {
	var out []*poolEntry
	for el := p.lru.Back(); el != nil && len(p.entries) > p.max; {
		e := el.Value.(*poolEntry)
		el = el.Prev()
		if e.refs > 0 || e.ix == nil {
			continue
		}
		p.dropLocked(e)
		out = append(out, e)
	}
	return out
}

// dropLocked forgets e; if it has an index, marks its name as closing until
// closeAll is done with it.
func (p *Pool) dropLocked(e *poolEntry) {
	delete(p.entries, e.name)
	p.lru.Remove(e.elem)
	if e.ix != nil {
		p.closing[e.name] = make(chan struct{})
	}
}

// closeEntries closes dropped entries outside the lock. A failure is
// logged with the index's own logger: the caller that released it is gone.
func (p *Pool) closeEntries(es []*poolEntry) {
	for _, e := range es {
		if err := e.ix.Close(); err != nil {
			e.ix.log.Warn("close evicted text index", "err", err)
		}
		p.mu.Lock()
		close(p.closing[e.name])
		delete(p.closing, e.name)
		p.mu.Unlock()
		p.live.Done()
	}
}

// Len returns the number of indexes held open (or opening).
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.entries)
}

// Evict closes the index of name if it is open and idle, so its folder can
// be destroyed. It returns ErrBusy if the index is in use.
func (p *Pool) Evict(name string) error {
	p.mu.Lock()
	e, ok := p.entries[name]
	if !ok {
		wait := p.closing[name]
		p.mu.Unlock()
		if wait != nil {
			<-wait
		}
		return nil
	}
	if e.refs > 0 {
		p.mu.Unlock()
		return ErrBusy
	}
	p.dropLocked(e)
	p.mu.Unlock()
	p.closeEntries([]*poolEntry{e})
	return nil
}

// Close closes every idle index, then waits until the indexes still in use
// are released and closed. Get fails with ErrClosed afterwards. Do not call
// Close while holding an index from this pool.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	var idle []*poolEntry
	for _, e := range p.entries {
		if e.refs == 0 && e.ix != nil {
			idle = append(idle, e)
		}
	}
	for _, e := range idle {
		p.dropLocked(e)
	}
	p.mu.Unlock()
	p.closeEntries(idle)
	p.live.Wait()
	return nil
}
