package embed

// StaticVariant exposes staticConfig to the evaluation in package embed_test.
type StaticVariant struct {
	NgramDim                int
	WordWeight, NgramWeight float32
	SIFA                    float64
	RemovePCs               int
	UnitWords               bool
	MinN, MaxN              int
	WholeWord, SIFNgrams    bool
	MaxWords                int
}

// DefaultVariant is the configuration NewStatic uses.
func DefaultVariant() StaticVariant {
	c := defaultStatic
	return StaticVariant{c.ngramDim, c.wordWeight, c.ngramWeight, c.sifA, c.removePCs, c.unitWords, c.minN, c.maxN, c.wholeWord, c.sifNgrams, c.maxWords}
}

// NewStaticVariant builds a Static with the given settings.
func NewStaticVariant(v StaticVariant) *Static {
	return newStatic(staticConfig{v.NgramDim, v.WordWeight, v.NgramWeight, v.SIFA, v.RemovePCs, v.UnitWords, v.MinN, v.MaxN, v.WholeWord, v.SIFNgrams, v.MaxWords})
}

// ParseWordTable decodes the embedded table afresh (for the load benchmark).
func ParseWordTable() error {
	_, err := parseTable(wordsBin)
	return err
}
