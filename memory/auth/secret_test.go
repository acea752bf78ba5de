package auth

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestNewSecret(t *testing.T) {
	id := newID("key_")
	if !regexp.MustCompile(`^key_[0-9a-f]{24}$`).MatchString(id) {
		t.Fatalf("id %q", id)
	}
	s := newSecret(id)
	re := regexp.MustCompile(`^engram_` + strings.TrimPrefix(id, "key_") + `_[0-9A-Za-z]{43}$`)
	if !re.MatchString(s) {
		t.Fatalf("secret %q does not match %s", s, re)
	}
	if s == newSecret(id) {
		t.Fatal("two secrets are equal")
	}
	if got, err := ParseBearer("Bearer " + s); err != nil || got != s {
		t.Fatalf("ParseBearer of a generated secret: %q, %v", got, err)
	}
}

func TestParseBearer(t *testing.T) {
	good := "engram_0123456789abcdef01234567_abcDEF0123456789"
	tests := []struct {
		name, in string
		want     string
		err      error
	}{
		{"ok", "Bearer " + good, good, nil},
		{"lower-scheme", "bearer " + good, good, nil},
		{"upper-scheme", "BEARER " + good, good, nil},
		{"empty", "", "", ErrMissingKey},
		{"no-secret", "Bearer", "", ErrInvalidKey},
		{"empty-secret", "Bearer ", "", ErrInvalidKey},
		{"two-spaces", "Bearer  " + good, "", ErrInvalidKey},
		{"trailing", "Bearer " + good + " x", "", ErrInvalidKey},
		{"trailing-space", "Bearer " + good + " ", "", ErrInvalidKey},
		{"basic", "Basic " + good, "", ErrInvalidKey},
		{"tab", "Bearer\t" + good, "", ErrInvalidKey},
		{"short", "Bearer abc", "", ErrInvalidKey},
		{"too-long", "Bearer " + strings.Repeat("a", MaxSecretLen+1), "", ErrInvalidKey},
		{"max-len", "Bearer " + strings.Repeat("a", MaxSecretLen), strings.Repeat("a", MaxSecretLen), nil},
		{"bad-char", "Bearer " + good + "\x00", "", ErrInvalidKey},
		{"unicode", "Bearer " + good + "é", "", ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run("case="+tt.name, func(t *testing.T) {
			got, err := ParseBearer(tt.in)
			if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("ParseBearer(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
}

func FuzzParseBearer(f *testing.F) {
	for _, s := range []string{"", "Bearer x", "Bearer engram_0123456789abcdef01234567_abc", "bearer  a", "Basic abc=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		got, err := ParseBearer(h)
		if err != nil {
			if got != "" || !(errors.Is(err, ErrInvalidKey) || errors.Is(err, ErrMissingKey)) {
				t.Fatalf("ParseBearer(%q) = %q, %v", h, got, err)
			}
			return
		}
		if !strings.EqualFold(h[:7], "bearer ") || h[7:] != got || !validSecretSyntax(got) {
			t.Fatalf("ParseBearer(%q) = %q", h, got)
		}
	})
}
