package embed

// StaticVariant exposes staticConfig to the evaluation in package embed_test.
type StaticVariant struct {
	NgramDim                int
	WordWeight, NgramWeight float32
	SIFA                    float64
	RemovePC, UnitWords     bool
	MinN, MaxN              int
	WholeWord, SIFNgrams    bool
}

// DefaultVariant is the configuration NewStatic uses.
func DefaultVariant() StaticVariant {
	c := defaultStatic
	return StaticVariant{c.ngramDim, c.wordWeight, c.ngramWeight, c.sifA, c.removePC, c.unitWords, c.minN, c.maxN, c.wholeWord, c.sifNgrams}
}

// NewStaticVariant builds a Static with the given settings.
func NewStaticVariant(v StaticVariant) *Static {
	return newStatic(staticConfig{v.NgramDim, v.WordWeight, v.NgramWeight, v.SIFA, v.RemovePC, v.UnitWords, v.MinN, v.MaxN, v.WholeWord, v.SIFNgrams})
}
