package llm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/engramhq/engram/graph"
)

const sampleText = "Alice Smith works at Acme Corp since 2021. I live in Paris."

const sampleAnswer = `{"entities":[{"name":"Alice Smith","type":"person"},{"name":"Acme Corp","type":"organization"},{"name":"Paris","type":"location"}],
"relations":[{"subject":"Alice Smith","predicate":"works_at","object":"Acme Corp","valid_from":"2021-03-01"},
{"subject":"user","predicate":"lives in","object":"Paris","valid_from":null}]}`

// openAIAnswer wraps content like an OpenAI chat completion.
func openAIAnswer(content string) string {
	b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{
		"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": content}}}})
	return string(b)
}

func ollamaAnswer(content string) string {
	b, _ := json.Marshal(map[string]any{"model": "m", "done": true, "done_reason": "stop",
		"message": map[string]any{"role": "assistant", "content": content}})
	return string(b)
}

func newClient(tb testing.TB, provider, url string, mod func(*Config)) *Client {
	tb.Helper()
	cfg := Config{Provider: provider, BaseURL: url, Model: "test-model", APIKey: "sk-secret",
		MaxRetries: -1, MinBackoff: time.Millisecond, Timeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestExtractOpenAI(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-secret" {
			http.Error(w, "bad path or key", http.StatusNotFound)
			return
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &got)
		io.WriteString(w, openAIAnswer(sampleAnswer))
	}))
	defer srv.Close()
	res, err := newClient(t, ProviderOpenAI, srv.URL, nil).Extract(context.Background(), sampleText, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rf, _ := got["response_format"].(map[string]any)
	js, _ := rf["json_schema"].(map[string]any)
	if rf["type"] != "json_schema" || js["schema"] == nil || js["strict"] != true {
		t.Errorf("response_format = %v, want a strict json_schema", rf)
	}
	checkSample(t, res)
}

func TestExtractOllama(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/chat" {
			http.NotFound(w, r)
			return
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &got)
		io.WriteString(w, ollamaAnswer("```json\n"+sampleAnswer+"\n```"))
	}))
	defer srv.Close()
	res, err := newClient(t, ProviderOllama, srv.URL, nil).Extract(context.Background(), sampleText, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got["stream"] != false || got["format"] == nil {
		t.Errorf("request stream=%v format=%v, want false and a schema", got["stream"], got["format"])
	}
	checkSample(t, res)
}

func checkSample(t *testing.T, res *Result) {
	t.Helper()
	var names []string
	for _, m := range res.Entities {
		names = append(names, m.Canonical+"/"+m.Type)
	}
	want := []string{"alice smith/person", "acme corp/organization", "paris/location"}
	if !slices.Equal(names, want) {
		t.Errorf("entities = %v, want %v", names, want)
	}
	if len(res.Relations) != 2 {
		t.Fatalf("relations = %+v, want 2", res.Relations)
	}
	r0, r1 := res.Relations[0], res.Relations[1]
	if r0.Source != "alice smith" || r0.Relation != graph.RelWorksAt || r0.Target != "acme corp" || !r0.Exclusive {
		t.Errorf("relation 0 = %+v", r0)
	}
	if !r0.ValidFrom.Equal(time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("valid_from = %v, want 2021-03-01", r0.ValidFrom)
	}
	if r1.Source != "user" || r1.Relation != graph.RelLivesIn || r1.Target != "paris" || !r1.ValidFrom.IsZero() {
		t.Errorf("relation 1 = %+v", r1)
	}
	if res.Dropped != 0 {
		t.Errorf("dropped = %d, want 0", res.Dropped)
	}
}

func TestExtractMalformed(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		body    string
		want    error
		retries int
	}{
		{name: "body=not-json", status: 200, body: "<html>oops</html>", want: ErrBadResponse},
		{name: "body=no-choices", status: 200, body: `{"choices":[]}`, want: ErrBadResponse},
		{name: "content=not-json", status: 200, body: openAIAnswer("Sure! Alice works at Acme."), want: ErrBadResponse},
		{name: "content=wrong-schema", status: 200, body: openAIAnswer(`{"people":["Alice"]}`), want: ErrBadResponse},
		{name: "content=entities-string", status: 200, body: openAIAnswer(`{"entities":"Alice","relations":[]}`), want: ErrBadResponse},
		{name: "content=array", status: 200, body: openAIAnswer(`[1,2]`), want: ErrBadResponse},
		{name: "finish=length", status: 200, body: `{"choices":[{"message":{"content":"{\"entities\":["},"finish_reason":"length"}]}`, want: ErrBadResponse},
		{name: "refusal", status: 200, body: `{"choices":[{"message":{"content":null,"refusal":"no"},"finish_reason":"stop"}]}`, want: ErrBadResponse},
		{name: "too-large", status: 200, body: openAIAnswer(`{"entities":[],"relations":[],"pad":"` + strings.Repeat("x", 5000) + `"}`), want: ErrBadResponse},
		{name: "status=500", status: 500, body: "down", want: ErrUnavailable, retries: 2},
		{name: "status=429", status: 429, body: "slow down", want: ErrUnavailable, retries: 1},
		{name: "status=400", status: 400, body: "bad", want: ErrRequest, retries: 3},
		{name: "status=401", status: 401, body: "no", want: ErrRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c := newClient(t, ProviderOpenAI, srv.URL, func(cfg *Config) {
				cfg.MaxAnswerBytes = 4096
				cfg.MaxRetries = tc.retries
				if tc.retries == 0 {
					cfg.MaxRetries = -1
				}
			})
			_, err := c.Extract(context.Background(), sampleText, Options{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), "sk-secret") || strings.Contains(err.Error(), "Alice") {
				t.Errorf("error %q leaks the key or content", err)
			}
			wantCalls := int32(1)
			if errors.Is(tc.want, ErrUnavailable) {
				wantCalls = int32(tc.retries + 1)
			}
			if calls.Load() != wantCalls {
				t.Errorf("calls = %d, want %d", calls.Load(), wantCalls)
			}
		})
	}
}

func TestExtractRetriesThenSucceeds(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusBadGateway)
		default:
			io.WriteString(w, openAIAnswer(sampleAnswer))
		}
	}))
	defer srv.Close()
	c := newClient(t, ProviderOpenAI, srv.URL+"/v1", func(cfg *Config) { cfg.MaxRetries = 3 })
	res, err := c.Extract(context.Background(), sampleText, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 || len(res.Relations) != 2 {
		t.Errorf("calls = %d, relations = %d; want 3 and 2", calls.Load(), len(res.Relations))
	}
}

func TestExtractTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c := newClient(t, ProviderOllama, srv.URL, func(cfg *Config) { cfg.Timeout = 50 * time.Millisecond })
	_, err := c.Extract(context.Background(), sampleText, Options{})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("err = %v, want ErrUnavailable timeout", err)
	}
}

func TestParseAnswerValidation(t *testing.T) {
	text := "Bob Jones met Carol in Berlin on 2020-05-04. Bob is Carol's brother."
	cases := []struct {
		name      string
		content   string
		types     []string
		entities  []string
		relations []string
		dropped   int
	}{
		{name: "invented=dropped", content: `{"entities":[{"name":"Bob Jones","type":"person"},{"name":"Dave","type":"person"}],"relations":[{"subject":"Bob Jones","predicate":"friend_of","object":"Dave","valid_from":null}]}`,
			entities: []string{"bob jones"}, dropped: 2},
		{name: "type=not-allowed", content: `{"entities":[{"name":"Berlin","type":"location"},{"name":"Carol","type":"person"}],"relations":[]}`,
			types: []string{"person"}, entities: []string{"carol"}, dropped: 1},
		{name: "predicate=unknown", content: `{"entities":[{"name":"Bob","type":"person"},{"name":"Carol","type":"person"}],"relations":[{"subject":"Bob","predicate":"admires","object":"Carol","valid_from":null},{"subject":"Bob","predicate":"Brother Of","object":"Carol","valid_from":"yesterday"}]}`,
			entities: []string{"bob", "carol"}, relations: []string{"bob brother_of carol"}, dropped: 1},
		{name: "dedup", content: `{"entities":[{"name":"Carol","type":"person"},{"name":"carol","type":"person"},{"name":"Berlin","type":"location"}],"relations":[{"subject":"Carol","predicate":"lives_in","object":"Berlin","valid_from":null},{"subject":"carol","predicate":"lives_in","object":"berlin","valid_from":null},{"subject":"Carol","predicate":"lives_in","object":"Carol","valid_from":null}]}`,
			entities: []string{"carol", "berlin"}, relations: []string{"carol lives_in berlin"}, dropped: 1},
		{name: "date=value", content: `{"entities":[{"name":"2020-05-04","type":"date"},{"name":"","type":"person"}],"relations":[]}`,
			entities: []string{"2020-05-04"}, dropped: 1},
		{name: "empty", content: `{"entities":[],"relations":[]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := parseAnswer(tc.content, text, allowedTypes(tc.types))
			if err != nil {
				t.Fatal(err)
			}
			var ents, rels []string
			for _, m := range res.Entities {
				ents = append(ents, m.Canonical)
				if m.End <= m.Start || !strings.EqualFold(text[m.Start:m.End], m.Name) {
					t.Errorf("offsets of %q = %d..%d", m.Name, m.Start, m.End)
				}
			}
			for _, r := range res.Relations {
				rels = append(rels, r.Source+" "+r.Relation+" "+r.Target)
			}
			if !slices.Equal(ents, tc.entities) || !slices.Equal(rels, tc.relations) || res.Dropped != tc.dropped {
				t.Errorf("got %v %v dropped %d, want %v %v dropped %d", ents, rels, res.Dropped, tc.entities, tc.relations, tc.dropped)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"2021-03-01": "2021-03-01", "2021-03": "2021-03-01", "2021": "2021-01-01",
		"2021-03-01T10:00:00+02:00": "2021-03-01", "soon": "", "": "", "0000": "",
	} {
		got := parseDate(in)
		if (want == "") != got.IsZero() || (want != "" && got.Format(time.DateOnly) != want) {
			t.Errorf("parseDate(%q) = %v, want %q", in, got, want)
		}
	}
}

func TestNewConfigErrors(t *testing.T) {
	for _, cfg := range []Config{
		{Provider: "gpt", BaseURL: "http://x", Model: "m"},
		{Provider: ProviderOpenAI, BaseURL: "ftp://x", Model: "m"},
		{Provider: ProviderOpenAI, BaseURL: "http://u:p@x", Model: "m"},
		{Provider: ProviderOllama, BaseURL: "http://x", Model: " "},
		{Provider: ProviderOllama, BaseURL: "http://x", Model: "m", Timeout: -1},
	} {
		if _, err := New(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("New(%+v) err = %v, want ErrConfig", cfg, err)
		}
	}
	if _, err := newClient(t, ProviderOpenAI, "http://127.0.0.1:1", nil).Extract(context.Background(), "  ", Options{}); !errors.Is(err, ErrEmptyText) {
		t.Errorf("empty text err = %v", err)
	}
}

func TestTruncate(t *testing.T) {
	s := "aé" + strings.Repeat("b", 3)
	if got := truncate(s, 2); got != "a" {
		t.Errorf("truncate = %q, want %q", got, "a")
	}
	if got := truncate(s, 100); got != s {
		t.Errorf("truncate = %q", got)
	}
}
