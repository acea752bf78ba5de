package llm

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/engramhq/engram/graph"
)

// Relations is the predicate vocabulary the model may use: graph's
// relation names without co_occurs (which the rules add by themselves).
var Relations = []string{graph.RelWorksAt, graph.RelLivesIn, graph.RelMemberOf, graph.RelMarriedTo,
	graph.RelSisterOf, graph.RelBrotherOf, graph.RelParentOf, graph.RelChildOf, graph.RelFriendOf,
	graph.RelLikes, graph.RelDislikes, graph.RelOwns, graph.RelCreated, graph.RelFounded, graph.RelWrote,
	graph.RelLocatedIn, graph.RelBornOn, graph.RelBornIn, graph.RelStudiesAt}

// Prompt is the fixed system message of every request.
const Prompt = `You extract a knowledge graph from one memory of an AI agent.
Return only JSON that matches the schema.
"entities": every named entity or value the text states (people, organizations, places, products, events, dates, amounts, identifiers, ...), each with its name exactly as written in the text and one of the allowed types.
"relations": only facts the text states, as subject, predicate, object. Subject and object must be names from "entities", or "user" for the speaker of first-person statements (I, me, my). The predicate must be one of the allowed predicates, read as "subject predicate object" (parent_of: subject is the parent). valid_from is the date (YYYY-MM-DD) from which the fact holds when the text says so, else null.
Do not guess, do not add facts from general knowledge, do not translate names.`

// Schema is the JSON schema of an answer whose entity types are types.
// Every property is required and the optional valid_from is nullable, as
// OpenAI's strict structured outputs ask.
func Schema(types []string) map[string]any {
	str := map[string]any{"type": "string"}
	entity := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"name": str,
			"type": map[string]any{"type": "string", "enum": types},
		},
		"required":             []string{"name", "type"},
		"additionalProperties": false,
	}
	relation := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"subject":    str,
			"predicate":  map[string]any{"type": "string", "enum": Relations},
			"object":     str,
			"valid_from": map[string]any{"type": []string{"string", "null"}},
		},
		"required":             []string{"subject", "predicate", "object", "valid_from"},
		"additionalProperties": false,
	}
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			"entities":  map[string]any{"type": "array", "items": entity},
			"relations": map[string]any{"type": "array", "items": relation},
		},
		"required":             []string{"entities", "relations"},
		"additionalProperties": false,
	}
}

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

func messages(text string) []message {
	return []message{{Role: "system", Content: Prompt}, {Role: "user", Content: text}}
}

func openAIRequest(model, text string, schema map[string]any) any {
	return map[string]any{
		"model":       model,
		"messages":    messages(text),
		"temperature": 0,
		"response_format": map[string]any{
			"type": "json_schema",
			"json_schema": map[string]any{
				"name":   "engram_graph_extraction",
				"strict": true,
				"schema": schema,
			},
		},
	}
}

func ollamaRequest(model, text string, schema map[string]any) any {
	return map[string]any{
		"model":    model,
		"messages": messages(text),
		"stream":   false,
		"format":   schema,
		"options":  map[string]any{"temperature": 0},
	}
}

// decodeOpenAI returns the content of the first choice.
func decodeOpenAI(body []byte) (string, error) {
	var r struct {
		Choices []struct {
			Message struct {
				Content *string `json:"content"`
				Refusal *string `json:"refusal"`
			} `json:"message"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return "", fmt.Errorf("%w: openai: %s", ErrBadResponse, jsonReason(err))
	}
	if len(r.Choices) == 0 {
		return "", fmt.Errorf("%w: openai: no choices", ErrBadResponse)
	}
	ch := r.Choices[0]
	switch {
	case ch.Message.Refusal != nil && *ch.Message.Refusal != "":
		return "", fmt.Errorf("%w: openai: the model refused", ErrBadResponse)
	case ch.FinishReason == "length":
		return "", fmt.Errorf("%w: openai: answer truncated", ErrBadResponse)
	case ch.Message.Content == nil || strings.TrimSpace(*ch.Message.Content) == "":
		return "", fmt.Errorf("%w: openai: empty content", ErrBadResponse)
	}
	return *ch.Message.Content, nil
}

// decodeOllama returns the content of a non-streamed chat answer.
func decodeOllama(body []byte) (string, error) {
	var r struct {
		Message *struct {
			Content string `json:"content"`
		} `json:"message"`
		Done       *bool  `json:"done"`
		DoneReason string `json:"done_reason"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return "", fmt.Errorf("%w: ollama: %s", ErrBadResponse, jsonReason(err))
	}
	switch {
	case r.Message == nil:
		return "", fmt.Errorf("%w: ollama: no message", ErrBadResponse)
	case r.Done != nil && !*r.Done, r.DoneReason == "length":
		return "", fmt.Errorf("%w: ollama: answer truncated", ErrBadResponse)
	case strings.TrimSpace(r.Message.Content) == "":
		return "", fmt.Errorf("%w: ollama: empty content", ErrBadResponse)
	}
	return r.Message.Content, nil
}

// jsonReason describes a decoding error without quoting the body.
func jsonReason(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("invalid JSON at byte %d", e.Offset)
	case *json.UnmarshalTypeError:
		return fmt.Sprintf("unexpected %s for field %q", e.Value, e.Field)
	}
	return "invalid JSON"
}
