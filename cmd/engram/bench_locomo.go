package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/engramhq/engram/memory"
)

// locomoKs are the cut-offs reported for every configuration; all come
// from one recall of the largest.
var locomoKs = []int{5, 10, 20}

var locomoCategoryNames = map[int]string{1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}

// locomoConfig is one recall configuration evaluated side by side.
type locomoConfig struct {
	Label        string   `json:"label"`
	Routing      string   `json:"routing"`
	Fusion       string   `json:"fusion,omitempty"`
	VectorWeight *float64 `json:"vector_weight,omitempty"`
	// Flat evaluates with every decay curve flat (no recency effect).
	Flat bool `json:"flat_decay,omitempty"`
}

// locomoFigures are one configuration's results.
type locomoFigures struct {
	Config     locomoConfig              `json:"config"`
	Questions  int                       `json:"questions"`
	Recall     map[string]float64        `json:"recall"` // "5", "10", "20", and --k
	Categories map[string]locomoCategory `json:"categories"`
	// Conversations holds recall@k (the --k) per conversation.
	Conversations map[string]float64 `json:"conversations"`
	P50Ms         float64            `json:"p50_ms"`
	P95Ms         float64            `json:"p95_ms"`
	// LatencyRuns are p50/p95 per run (--runs); the figures are medians.
	P50Runs []float64 `json:"p50_ms_runs"`
	P95Runs []float64 `json:"p95_ms_runs"`
	// perQuestion is each question's recall@k (the --k), in question order.
	perQuestion []float64
}

// locomoMargin is hybrid minus BM25 at the headline k, question by
// question: the mean difference, its 95% confidence interval by a paired
// bootstrap over the questions, and how many questions each mode answered
// better.
type locomoMargin struct {
	K      int     `json:"k"`
	Diff   float64 `json:"diff"`
	CILow  float64 `json:"ci95_low"`
	CIHigh float64 `json:"ci95_high"`
	Better int     `json:"hybrid_better"`
	Worse  int     `json:"hybrid_worse"`
}

type locomoCategory struct {
	Name      string             `json:"name"`
	Questions int                `json:"questions"`
	Recall    map[string]float64 `json:"recall"`
}

// locomoResult is the whole run, the --json output.
type locomoResult struct {
	Files          []string        `json:"files"`
	Conversations  int             `json:"conversations"`
	Turns          int             `json:"turns"`
	Questions      int             `json:"questions"`
	Skipped        int             `json:"skipped_questions"`
	DateFallbacks  int             `json:"date_fallbacks"`
	K              int             `json:"k"`
	Extract        bool            `json:"extract_entities"`
	Runs           int             `json:"runs"`
	IngestSeconds  float64         `json:"ingest_seconds"`
	DefaultFusion  string          `json:"default_fusion"`
	DefaultWeight  float64         `json:"default_vector_weight"`
	Configurations []locomoFigures `json:"configurations"`
	Margin         *locomoMargin   `json:"hybrid_minus_bm25,omitempty"`
	LoadAvg        string          `json:"loadavg"`
	Summary        string          `json:"summary"`
}

func runBenchLocomo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench locomo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "directory of LoCoMo conversation *.json files (required)")
	k := fs.Int("k", 10, "the headline cut-off (recall@5, @10 and @20 are always reported)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of lines")
	modes := fs.String("modes", "bm25,vector,hybrid", "routings to compare: bm25, vector, hybrid")
	fusion := fs.String("fusion", "", "fusion of the hybrid mode: rrf or minmax (default memory.DefaultFusion)")
	weight := fs.String("vector-weight", "", "vector weight of minmax fusion, 0..1 (default memory.DefaultVectorWeight)")
	sweep := fs.Bool("sweep", false, "also run hybrid with rrf and minmax at each --sweep-weights")
	sweepWeights := fs.String("sweep-weights", "0.3,0.5,0.7", "minmax vector weights tried by --sweep")
	decayCmp := fs.Bool("decay", false, "also run hybrid with flat decay (retention 1) to show decay's effect")
	runs := fs.Int("runs", 1, "recall passes per configuration; latency figures are medians over passes")
	extract := fs.Bool("extract", true, "entity extraction on write (the namespace default; feeds graph candidates into hybrid recall)")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if *data == "" || *k < 1 || *k > 1000 || *runs < 1 {
		fmt.Fprintln(stderr, "engram bench locomo: --data is required; --k must be 1..1000; --runs >= 1")
		return errUsage
	}
	hybrid := locomoConfig{Label: "hybrid", Routing: "hybrid", Fusion: *fusion}
	if *weight != "" {
		w, err := strconv.ParseFloat(*weight, 64)
		if err != nil || w < 0 || w > 1 {
			return fmt.Errorf("--vector-weight %q: want a number between 0 and 1", *weight)
		}
		hybrid.VectorWeight = &w
	}
	if *fusion != "" || *weight != "" {
		hybrid.Label = "hybrid/" + configSuffix(hybrid)
	}
	var configs []locomoConfig
	for _, m := range strings.Split(*modes, ",") {
		switch m = strings.TrimSpace(m); m {
		case "bm25", "vector":
			configs = append(configs, locomoConfig{Label: m, Routing: m})
		case "hybrid":
			configs = append(configs, hybrid)
		case "":
		default:
			return fmt.Errorf("--modes: unknown mode %q (bm25, vector, hybrid)", m)
		}
	}
	if *sweep {
		ws, err := parseFloatList(*sweepWeights)
		if err != nil {
			return fmt.Errorf("--sweep-weights: %w", err)
		}
		grid := []locomoConfig{{Routing: "hybrid", Fusion: "rrf"}}
		for _, w := range ws {
			grid = append(grid, locomoConfig{Routing: "hybrid", Fusion: "minmax", VectorWeight: &w})
		}
		for _, g := range grid {
			g.Label = "hybrid/" + configSuffix(g)
			configs = append(configs, g)
		}
	}
	if *decayCmp {
		flat := hybrid
		flat.Label, flat.Flat = hybrid.Label+"/decay=flat", true
		configs = append(configs, flat)
	}
	if len(configs) == 0 {
		return fmt.Errorf("nothing to run: --modes is empty")
	}
	files, err := filepath.Glob(filepath.Join(*data, "*.json"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	if len(files) == 0 {
		return fmt.Errorf("no *.json files in %s", *data)
	}
	var convs []*locomoConv
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		c, err := parseLocomo(strings.TrimSuffix(filepath.Base(f), ".json"), raw)
		if err != nil {
			return err
		}
		convs = append(convs, c)
	}
	res, err := benchLocomo(ctx, convs, configs, *k, *runs, *extract)
	if err != nil {
		return err
	}
	for _, f := range files {
		res.Files = append(res.Files, filepath.Base(f))
	}
	if *asJSON {
		return writeJSON(stdout, res)
	}
	return writeLocomoText(stdout, res)
}

// configSuffix names a hybrid configuration: "fusion=rrf", "fusion=minmax/w=0.3".
func configSuffix(c locomoConfig) string {
	f := c.Fusion
	if f == "" {
		f = memory.DefaultFusion
	}
	if f == "rrf" {
		return "fusion=rrf"
	}
	w := memory.DefaultVectorWeight
	if c.VectorWeight != nil {
		w = *c.VectorWeight
	}
	return fmt.Sprintf("fusion=minmax/w=%g", w)
}

// benchLocomo stores every conversation in its own namespace of a fresh
// temporary store and evaluates each configuration on every question.
func benchLocomo(ctx context.Context, convs []*locomoConv, configs []locomoConfig, k, runs int, extract bool) (*locomoResult, error) {
	st, _, cleanup, err := benchStore(memory.Options{})
	if err != nil {
		return nil, err
	}
	defer cleanup()
	const org = "bench"
	res := &locomoResult{Conversations: len(convs), K: k, Runs: runs, Extract: extract, DefaultFusion: memory.DefaultFusion, DefaultWeight: memory.DefaultVectorWeight}
	engines := make([]*memory.Engine, len(convs))
	diaOf := make([]map[string]string, len(convs))
	start := time.Now()
	for i, c := range convs {
		e, err := st.EnsureNamespace(ctx, org, nsName(c.Name), true)
		if err != nil {
			return nil, fmt.Errorf("conversation %s: %w", c.Name, err)
		}
		if _, err := st.UpdateConfig(ctx, org, nsName(c.Name), fmt.Appendf(nil, `{"extract_entities":%t}`, extract)); err != nil {
			return nil, fmt.Errorf("conversation %s: namespace config: %w", c.Name, err)
		}
		engines[i], diaOf[i] = e, map[string]string{}
		for lo := 0; lo < len(c.Turns); lo += 500 {
			batch := make([]memory.StoreInput, 0, 500)
			for _, t := range c.Turns[lo:min(lo+500, len(c.Turns))] {
				at := t.CreatedAt
				batch = append(batch, memory.StoreInput{ID: t.ID, AgentID: "locomo", Content: t.Content, CreatedAt: &at})
				diaOf[i][t.ID] = t.DiaID
			}
			if _, _, err := e.StoreBatch(ctx, batch, "memories"); err != nil {
				return nil, fmt.Errorf("conversation %s: store: %w", c.Name, err)
			}
		}
		res.Turns += len(c.Turns)
		res.Questions += len(c.Questions)
		res.Skipped += c.Skipped
		res.DateFallbacks += c.DateFallbacks
	}
	res.IngestSeconds = time.Since(start).Seconds()
	topK := max(k, locomoKs[len(locomoKs)-1])
	ks := append([]int{}, locomoKs...)
	if !containsInt(ks, k) {
		ks = append(ks, k)
	}
	// Non-flat configurations first, then switch every namespace to flat
	// decay for the rest.
	order := make([]int, 0, len(configs))
	for _, flat := range []bool{false, true} {
		for i, c := range configs {
			if c.Flat == flat {
				order = append(order, i)
			}
		}
	}
	figs := make([]locomoFigures, len(configs))
	flatSet := false
	for _, ci := range order {
		cfg := configs[ci]
		if cfg.Flat && !flatSet {
			patch := []byte(`{"working_decay":"flat","episodic_decay":"flat","semantic_decay":"flat","procedural_decay":"flat"}`)
			for _, c := range convs {
				if _, err := st.UpdatePolicy(ctx, org, nsName(c.Name), patch); err != nil {
					return nil, fmt.Errorf("flat decay policy: %w", err)
				}
			}
			flatSet = true
		}
		f, err := evalLocomoConfig(ctx, convs, engines, diaOf, cfg, ks, k, topK, runs)
		if err != nil {
			return nil, err
		}
		figs[ci] = f
	}
	res.Configurations = figs
	if hyb, bm := headlineModes(figs); hyb != nil && bm != nil {
		res.Margin = pairedMargin(hyb.perQuestion, bm.perQuestion, k)
	}
	res.LoadAvg = loadAvg()
	res.Summary = locomoSummary(res)
	return res, nil
}

func nsName(conv string) string {
	n := "locomo-" + conv
	if len(n) > 128 {
		n = n[:128]
	}
	return n
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func evalLocomoConfig(ctx context.Context, convs []*locomoConv, engines []*memory.Engine, diaOf []map[string]string,
	cfg locomoConfig, ks []int, headline, topK, runs int) (locomoFigures, error) {
	f := locomoFigures{Config: cfg, Recall: map[string]float64{}, Categories: map[string]locomoCategory{},
		Conversations: map[string]float64{}}
	sums := map[int]float64{}
	catSums := map[int]map[int]float64{}
	catN := map[int]int{}
	for run := 0; run < runs; run++ {
		var lat []time.Duration
		for i, c := range convs {
			asOf := c.End
			convSum := 0.0
			for _, q := range c.Questions {
				in := memory.RecallInput{Query: q.Question, TopK: topK, Routing: cfg.Routing,
					Fusion: cfg.Fusion, VectorWeight: cfg.VectorWeight, AsOf: &asOf}
				t0 := time.Now()
				items, _, err := engines[i].Recall(ctx, in)
				lat = append(lat, time.Since(t0))
				if err != nil {
					return f, fmt.Errorf("conversation %s: recall: %w", c.Name, err)
				}
				if run > 0 {
					continue
				}
				ranked := make([]string, len(items))
				for j, it := range items {
					ranked[j] = diaOf[i][it.Memory.ID]
				}
				if catSums[q.Category] == nil {
					catSums[q.Category] = map[int]float64{}
				}
				catN[q.Category]++
				for _, kk := range ks {
					r := evidenceRecall(q.Evidence, ranked, kk)
					sums[kk] += r
					catSums[q.Category][kk] += r
					if kk == headline {
						convSum += r
						f.perQuestion = append(f.perQuestion, r)
					}
				}
				f.Questions++
			}
			if run == 0 && len(c.Questions) > 0 {
				f.Conversations[c.Name] = convSum / float64(len(c.Questions))
			}
		}
		f.P50Runs = append(f.P50Runs, percentile(lat, 50))
		f.P95Runs = append(f.P95Runs, percentile(lat, 95))
	}
	for _, kk := range ks {
		if f.Questions > 0 {
			f.Recall[strconv.Itoa(kk)] = sums[kk] / float64(f.Questions)
		}
	}
	for cat, s := range catSums {
		lc := locomoCategory{Name: locomoCategoryNames[cat], Questions: catN[cat], Recall: map[string]float64{}}
		for _, kk := range ks {
			lc.Recall[strconv.Itoa(kk)] = s[kk] / float64(catN[cat])
		}
		f.Categories[strconv.Itoa(cat)] = lc
	}
	f.P50Ms, f.P95Ms = median(f.P50Runs), median(f.P95Runs)
	return f, nil
}

// headlineModes finds the default hybrid configuration and the BM25 one.
func headlineModes(figs []locomoFigures) (hyb, bm *locomoFigures) {
	for i := range figs {
		c := &figs[i]
		if hyb == nil && c.Config.Routing == "hybrid" && !c.Config.Flat {
			hyb = c
		}
		if bm == nil && c.Config.Routing == "bm25" {
			bm = c
		}
	}
	return hyb, bm
}

// pairedMargin compares two modes' per-question recalls (same questions,
// same order): the mean difference a-b and its 95% interval from 10,000
// bootstrap resamples of the questions (fixed seed, so a run repeats).
func pairedMargin(a, b []float64, k int) *locomoMargin {
	if len(a) != len(b) || len(a) == 0 {
		return nil
	}
	d := make([]float64, len(a))
	m := &locomoMargin{K: k}
	for i := range a {
		d[i] = a[i] - b[i]
		m.Diff += d[i]
		switch {
		case d[i] > 0:
			m.Better++
		case d[i] < 0:
			m.Worse++
		}
	}
	m.Diff /= float64(len(d))
	const resamples = 10_000
	rng := rand.New(rand.NewPCG(20261123, 5))
	means := make([]float64, resamples)
	for r := range means {
		sum := 0.0
		for range d {
			sum += d[rng.IntN(len(d))]
		}
		means[r] = sum / float64(len(d))
	}
	sort.Float64s(means)
	m.CILow, m.CIHigh = means[resamples*25/1000], means[resamples*975/1000-1]
	return m
}

func locomoSummary(r *locomoResult) string {
	key := strconv.Itoa(r.K)
	var parts []string
	for _, c := range r.Configurations {
		parts = append(parts, fmt.Sprintf("%s=%.3f", c.Config.Label, c.Recall[key]))
	}
	hyb, bm := headlineModes(r.Configurations)
	s := fmt.Sprintf("locomo recall@%d %s (conversations=%d questions=%d)", r.K, strings.Join(parts, " "), r.Conversations, r.Questions)
	if hyb != nil && r.K == 10 {
		met := "met"
		if hyb.Recall[key] < 0.75 {
			met = "not met"
		}
		s += fmt.Sprintf("; target hybrid recall@10>=0.75 %s", met)
		if bm != nil {
			s += fmt.Sprintf(", hybrid-bm25=%+.3f", hyb.Recall[key]-bm.Recall[key])
		}
	}
	if m := r.Margin; m != nil {
		s += fmt.Sprintf(" (hybrid-bm25 recall@%d 95%% CI %+.3f..%+.3f, paired bootstrap; hybrid better on %d questions, worse on %d)",
			m.K, m.CILow, m.CIHigh, m.Better, m.Worse)
	}
	return s
}

// writeLocomoText prints the table: benchstat-compatible lines, one per
// configuration, category and conversation, then the summary line.
func writeLocomoText(w io.Writer, r *locomoResult) error {
	lw := &lineWriter{w: w}
	lw.printf("# locomo files=%s turns=%d questions=%d skipped=%d date_fallbacks=%d ingest_s=%.2f runs=%d default_fusion=%s default_vector_weight=%g extract_entities=%t as_of=end+1d loadavg=%s",
		strings.Join(r.Files, ","), r.Turns, r.Questions, r.Skipped, r.DateFallbacks, r.IngestSeconds, r.Runs, r.DefaultFusion, r.DefaultWeight, r.Extract, r.LoadAvg)
	ks := []string{"5", "10", "20"}
	if k := strconv.Itoa(r.K); !containsStr(ks, k) {
		ks = append(ks, k)
	}
	recalls := func(m map[string]float64) string {
		var b strings.Builder
		for _, k := range ks {
			fmt.Fprintf(&b, " %7.4f recall@%s", m[k], k)
		}
		return b.String()
	}
	width := 0
	for _, c := range r.Configurations {
		width = max(width, len(c.Config.Label)+len("/category=3-open-domain"))
	}
	name := func(s string) string { return fmt.Sprintf("%-*s", width+len("BenchmarkLocomo/"), "BenchmarkLocomo/"+s) }
	for _, c := range r.Configurations {
		lw.printf("%s %4d%s %7.2f p50-ms %7.2f p95-ms", name(c.Config.Label), c.Questions, recalls(c.Recall), c.P50Ms, c.P95Ms)
	}
	for _, c := range r.Configurations {
		var cats []string
		for k := range c.Categories {
			cats = append(cats, k)
		}
		sort.Strings(cats)
		for _, k := range cats {
			cc := c.Categories[k]
			lw.printf("%s %4d%s", name(c.Config.Label+"/category="+k+"-"+cc.Name), cc.Questions, recalls(cc.Recall))
		}
	}
	for _, c := range r.Configurations {
		var names []string
		for n := range c.Conversations {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			lw.printf("%s %4d %7.4f recall@%d", name(c.Config.Label+"/conversation="+n), 1, c.Conversations[n], r.K)
		}
	}
	lw.printf("%s", r.Summary)
	return lw.err
}

func containsStr(xs []string, s string) bool { return contains(xs, s) }
