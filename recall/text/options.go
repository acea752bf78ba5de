package text

import (
	"fmt"
	"log/slog"
)

// Analyzer names accepted in Options.Analyzer.
const (
	// AnalyzerStandard is Bleve's "standard": unicode tokenizer, lowercase,
	// English stop words, no stemming.
	AnalyzerStandard = "standard"
	// AnalyzerEnglish is Bleve's "en": unicode tokenizer, possessive
	// removal, lowercase, English stop words, Porter stemmer.
	AnalyzerEnglish = "en"
	// AnalyzerSnowball is "en" with the Snowball English (Porter2) stemmer.
	AnalyzerSnowball = "en_snowball"

	// DefaultAnalyzer is the analyzer of new indexes when Options.Analyzer
	// is zero. It won the comparison recorded in doc.go.
	DefaultAnalyzer = AnalyzerEnglish
)

// Options configure Open. A nil *Options is valid.
type Options struct {
	// Analyzer is the text analyzer of a new index: one of the Analyzer*
	// constants. It is fixed when the index is created; opening an existing
	// index with a different non-zero Analyzer fails. Zero means
	// DefaultAnalyzer for a new index and the stored one for an existing
	// index.
	Analyzer string
	// SyncApply makes Apply return only once its batch is on disk (one
	// fsync-bound persist per batch). False, the default, returns as soon
	// as the batch is searchable and lets Bleve persist in the background,
	// coalescing batches: after a crash Checkpoint may be older than the
	// last Apply, and the caller replays its change log from there. Flush
	// and Close wait for persistence either way.
	SyncApply bool
	// Logger receives operational events (never content or keys). Nil
	// means discard.
	Logger *slog.Logger
}

func (o *Options) withDefaults() (Options, error) {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	switch c.Analyzer {
	case "", AnalyzerStandard, AnalyzerEnglish, AnalyzerSnowball:
	default:
		return c, fmt.Errorf("%w: unknown analyzer %q", ErrInvalid, c.Analyzer)
	}
	return c, nil
}
