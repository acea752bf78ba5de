package memory

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Fuzz targets of the name and id checks: the namespace names, agent ids
// and memory ids that arrive in URLs and bodies. The battery (`engram
// reliability`) runs each for a bounded time; plain `go test` runs the
// seeds.

// nameSeeds are inputs every target starts from: valid names, reserved
// prefixes, path traversal, NUL, invalid UTF-8, over-long names.
var nameSeeds = []string{
	"", "a", "team-a", "Team_01", "_agent_bot", "system_x", "internal_y", "admin_z",
	"../db", "a/b", `a\b`, "a\x00b", "n\xff", "é", "-a", "a.", "a b",
	strings.Repeat("a", 128), strings.Repeat("a", 129), strings.Repeat("é", 70),
	"mem_0123456789abcdef01234567", "ns_0123456789abcdef", "bot@example.com:1",
}

// nameSafe reports whether s is made only of bytes that are harmless in a
// file name and a key: ASCII letters, digits, '_' and '-'.
func nameSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// FuzzValidateNamespaceName checks that an accepted namespace name is
// 1-128 safe bytes without a reserved prefix, and that every refusal is a
// *ValidationError on "namespace".
func FuzzValidateNamespaceName(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := ValidateNamespaceName(name)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != "namespace" {
				t.Fatalf("ValidateNamespaceName(%q) = %v, want a ValidationError on namespace", name, err)
			}
			return
		}
		if len(name) == 0 || len(name) > 128 || !nameSafe(name) {
			t.Fatalf("ValidateNamespaceName accepted %q", name)
		}
		for _, p := range reservedPrefixes {
			if strings.HasPrefix(name, p) {
				t.Fatalf("ValidateNamespaceName accepted reserved %q", name)
			}
		}
	})
}

// FuzzAgentNamespace checks ValidateAgentID and the agent namespace
// derived from an id: accepted ids are 1-256 bytes of the documented set,
// and the derived name is deterministic, safe, at most 128 bytes, and
// differs for different ids.
func FuzzAgentNamespace(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s, s+"x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		na, err := AgentNamespace(a)
		if verr := ValidateAgentID(a); (err == nil) != (verr == nil) {
			t.Fatalf("AgentNamespace(%q) err %v, ValidateAgentID err %v", a, err, verr)
		}
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != "agent_id" {
				t.Fatalf("AgentNamespace(%q) = %v, want a ValidationError on agent_id", a, err)
			}
			return
		}
		if len(a) > 256 || strings.ContainsAny(a, "/\\\x00 ") {
			t.Fatalf("ValidateAgentID accepted %q", a)
		}
		if !strings.HasPrefix(na, AgentNamespacePrefix) || len(na) > 128 || !nameSafe(na) {
			t.Fatalf("AgentNamespace(%q) = %q: not a safe agent namespace name", a, na)
		}
		if again, _ := AgentNamespace(a); again != na {
			t.Fatalf("AgentNamespace(%q) not deterministic: %q then %q", a, na, again)
		}
		if nb, err := AgentNamespace(b); err == nil && a != b && nb == na {
			t.Fatalf("agents %q and %q share namespace %q", a, b, na)
		}
	})
}

// FuzzParseDocID checks that the internal key codec never panics and
// round-trips every key it accepts.
func FuzzParseDocID(f *testing.F) {
	for _, s := range append(nameSeeds, "0", "zzzzzzzzzzzzz", "3w5e11264sgsf", "3w5e11264sgsg", "-1", "+1") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, ok := parseDocID(s)
		if !ok {
			return
		}
		if back, ok := parseDocID(docID(k)); !ok || back != k {
			t.Fatalf("parseDocID(docID(%d)) = %d, %v", k, back, ok)
		}
	})
}

// FuzzMemoryID sends arbitrary ids to the lookups that take a memory id
// from a URL (Store.LocateMemory, Engine.Get, Engine.MemoryGraph) and uses
// them as client-chosen ids on a real store: lookups of unknown ids answer
// ErrNotFound, a stored id is found again under exactly that id, and an
// id the validator refuses is refused without a write.
func FuzzMemoryID(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s)
	}
	ctx := context.Background()
	s := openTest(f, f.TempDir(), nil)
	f.Cleanup(func() { s.Close() })
	e, err := s.EnsureNamespace(ctx, "org_fuzz", "ids", true)
	if err != nil {
		f.Fatal(err)
	}
	known, _, err := e.Store(ctx, StoreInput{AgentID: "bot", Content: "a memory with a server id"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(known.ID)
	f.Add(strings.ToUpper(known.ID))
	f.Add(known.ID + "\x00")
	f.Fuzz(func(t *testing.T, id string) {
		_, ns, err := s.LocateMemory(ctx, id)
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatalf("LocateMemory(%q) = %v", id, err)
		}
		if id == known.ID && (err != nil || ns != "ids") {
			t.Fatalf("LocateMemory(%q) = %q, %v; want namespace ids", id, ns, err)
		}
		if m, err := e.Get(ctx, id); err == nil && m.ID != id {
			t.Fatalf("Get(%q) returned memory %q", id, m.ID)
		} else if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get(%q) = %v", id, err)
		}
		if _, _, err := e.MemoryGraph(ctx, id, 1, nil, 10); err != nil && !errors.Is(err, ErrNotFound) {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("MemoryGraph(%q) = %v", id, err)
			}
		}
		m, _, err := e.Store(ctx, StoreInput{ID: id, AgentID: "bot", Content: "client id"})
		switch {
		case err != nil:
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Store with id %q = %v", id, err)
			}
			if _, err := e.Get(ctx, id); err == nil {
				t.Fatalf("refused id %q is readable", id)
			}
		case id != "" && m.ID != id:
			t.Fatalf("stored with id %q, got %q", id, m.ID)
		case id != "" && (len(id) > maxClientIDLen || !agentIDRE.MatchString(id)):
			t.Fatalf("accepted client id %q", id)
		default:
			if got, err := e.Get(ctx, m.ID); err != nil || got.ID != m.ID {
				t.Fatalf("Get(%q) after store = %v, %v", m.ID, got, err)
			}
		}
	})
}
