package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// locomoConv is one LoCoMo conversation as the benchmark uses it: the raw
// turns only (observations, summaries and events are never read) and the
// questions of categories 1-4.
type locomoConv struct {
	Name      string
	Turns     []locomoTurn
	Questions []locomoQuestion
	// End is the latest session date with turns plus one day: the moment
	// recall is evaluated at, as for an agent right after the conversation.
	End time.Time
	// Skipped counts questions left out: category 5 or no evidence.
	Skipped int
	// DateFallbacks counts sessions whose date did not parse and were
	// placed one day after the previous session.
	DateFallbacks int
}

// locomoTurn is one stored memory.
type locomoTurn struct {
	ID        string // memory id, unique server-wide
	DiaID     string // normalized "D<session>:<turn>"
	Content   string
	CreatedAt int64
}

// locomoQuestion is one evaluated question.
type locomoQuestion struct {
	Question string
	Category int
	Evidence []string // normalized dia ids, deduplicated
}

var (
	locomoSessionKey = regexp.MustCompile(`^session_(\d+)$`)
	locomoDiaID      = regexp.MustCompile(`^D(\d+):(\d+)$`)
	locomoNameUnsafe = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)
	locomoIDUnsafe   = regexp.MustCompile(`[^a-zA-Z0-9_.:@-]+`)
)

type locomoRawTurn struct {
	Speaker     string `json:"speaker"`
	DiaID       string `json:"dia_id"`
	Text        string `json:"text"`
	BlipCaption string `json:"blip_caption"`
}

type locomoRawQA struct {
	Question string          `json:"question"`
	Evidence json.RawMessage `json:"evidence"`
	Category json.RawMessage `json:"category"`
}

// parseLocomo reads one conversation file. name identifies the
// conversation (the file's base name); it prefixes memory ids.
func parseLocomo(name string, raw []byte) (*locomoConv, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("conversation %s: %w", name, err)
	}
	// Some distributions wrap the sessions in a "conversation" object.
	if inner, ok := top["conversation"]; ok {
		var conv map[string]json.RawMessage
		if err := json.Unmarshal(inner, &conv); err == nil {
			for k, v := range conv {
				if _, dup := top[k]; !dup {
					top[k] = v
				}
			}
		}
	}
	c := &locomoConv{Name: locomoNameUnsafe.ReplaceAllString(name, "_")}
	if c.Name == "" || c.Name == "_" {
		c.Name = "conv"
	}
	var sessions []int
	for k := range top {
		if m := locomoSessionKey.FindStringSubmatch(k); m != nil {
			n, err := strconv.Atoi(m[1])
			if err == nil {
				sessions = append(sessions, n)
			}
		}
	}
	sort.Ints(sessions)
	if len(sessions) == 0 {
		return nil, fmt.Errorf("conversation %s: no session_N turns", name)
	}
	seen := map[string]int{}
	var prev time.Time
	var last time.Time
	for _, n := range sessions {
		var turns []locomoRawTurn
		if err := json.Unmarshal(top[fmt.Sprintf("session_%d", n)], &turns); err != nil {
			return nil, fmt.Errorf("conversation %s: session_%d: %w", name, n, err)
		}
		var dateStr string
		_ = json.Unmarshal(top[fmt.Sprintf("session_%d_date_time", n)], &dateStr)
		at, err := parseLocomoDate(dateStr)
		if err != nil {
			c.DateFallbacks++
			if prev.IsZero() {
				prev = time.Date(2023, 1, 1, 12, 0, 0, 0, time.UTC)
			}
			at = prev.Add(24 * time.Hour)
		}
		prev = at
		stored := 0
		for i, t := range turns {
			content := strings.TrimSpace(t.Text)
			if t.BlipCaption != "" {
				content += " [photo: " + strings.TrimSpace(t.BlipCaption) + "]"
			}
			if strings.TrimSpace(content) == "" {
				continue
			}
			if t.Speaker != "" {
				content = t.Speaker + ": " + content
			}
			dia := normalizeDiaID(t.DiaID)
			if dia == "" {
				dia = fmt.Sprintf("D%d:%d", n, i+1)
			}
			id := "locomo." + c.Name + "." + locomoIDUnsafe.ReplaceAllString(dia, "_")
			if k := seen[id]; k > 0 {
				seen[id] = k + 1
				id = fmt.Sprintf("%s.%d", id, k+1)
			} else {
				seen[id] = 1
			}
			c.Turns = append(c.Turns, locomoTurn{ID: id, DiaID: dia, Content: content,
				CreatedAt: at.Unix() + int64(i)})
			stored++
		}
		if stored > 0 && at.After(last) {
			last = at
		}
	}
	if len(c.Turns) == 0 {
		return nil, fmt.Errorf("conversation %s: no turns", name)
	}
	c.End = last.Add(24 * time.Hour)

	var qas []locomoRawQA
	if q, ok := top["qa"]; ok {
		if err := json.Unmarshal(q, &qas); err != nil {
			return nil, fmt.Errorf("conversation %s: qa: %w", name, err)
		}
	}
	for _, qa := range qas {
		cat := parseCategory(qa.Category)
		ev := parseEvidence(qa.Evidence)
		if cat < 1 || cat > 4 || len(ev) == 0 || strings.TrimSpace(qa.Question) == "" {
			c.Skipped++
			continue
		}
		c.Questions = append(c.Questions, locomoQuestion{Question: qa.Question, Category: cat, Evidence: ev})
	}
	return c, nil
}

// parseCategory accepts 3 or "3".
func parseCategory(raw json.RawMessage) int {
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return n
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		n, _ = strconv.Atoi(strings.TrimSpace(s))
	}
	return n
}

// parseEvidence accepts a list of dia ids (some entries hold several,
// separated by ';' ',' or spaces) or one string; returns normalized,
// deduplicated ids in order.
func parseEvidence(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) != nil {
		var one string
		if json.Unmarshal(raw, &one) != nil {
			return nil
		}
		list = []string{one}
	}
	var out []string
	for _, e := range list {
		for _, f := range strings.FieldsFunc(e, func(r rune) bool { return r == ';' || r == ',' || r == ' ' }) {
			if d := normalizeDiaID(f); d != "" && !contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return out
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// normalizeDiaID turns "D1:3", "d1:03" or " D1:3 " into "D1:3"; anything
// else into "".
func normalizeDiaID(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	m := locomoDiaID.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	a, err1 := strconv.Atoi(m[1])
	b, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil {
		return ""
	}
	return fmt.Sprintf("D%d:%d", a, b)
}

// locomoDateLayouts are the session date formats seen in LoCoMo
// ("1:56 pm on 8 May, 2023"), tried in order after normalizing case and
// spaces.
var locomoDateLayouts = []string{
	"3:04 pm on 2 January, 2006",
	"3:04 pm on 2 Jan, 2006",
	"3:04 pm on 2 January 2006",
	"3:04 pm on 2 Jan 2006",
	"3:04pm on 2 January, 2006",
	"3:04 pm on January 2, 2006",
	"3:04 pm, 2 January, 2006",
	"2 January, 2006",
	"2 January 2006",
}

// parseLocomoDate parses a session date as UTC.
func parseLocomoDate(s string) (time.Time, error) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return time.Time{}, fmt.Errorf("empty date")
	}
	// Go layouts need "PM"/"pm" to match exactly; normalize to lower case
	// and month names to title case.
	s = strings.ToLower(s)
	words := strings.Split(s, " ")
	for i, w := range words {
		if len(w) > 0 && w[0] >= 'a' && w[0] <= 'z' && w != "pm" && w != "am" && w != "on" &&
			!strings.HasSuffix(w, "pm") && !strings.HasSuffix(w, "am") {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	s = strings.Join(words, " ")
	for _, l := range locomoDateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognized date %q", s)
}

// evidenceRecall is the fraction of evidence dia ids among the first k
// ranked dia ids.
func evidenceRecall(evidence, ranked []string, k int) float64 {
	if len(evidence) == 0 {
		return 0
	}
	if k < len(ranked) {
		ranked = ranked[:k]
	}
	found := 0
	for _, e := range evidence {
		if contains(ranked, e) {
			found++
		}
	}
	return float64(found) / float64(len(evidence))
}
