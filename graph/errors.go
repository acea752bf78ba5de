package graph

import "errors"

var (
	// ErrNoPath is returned by ShortestPath when no path of at most
	// maxDepth hops joins the two nodes.
	ErrNoPath = errors.New("graph: no path")
	// ErrBadCase is returned by LoadCases for a line that is not a valid
	// labelled case.
	ErrBadCase = errors.New("graph: bad labelled case")
)
