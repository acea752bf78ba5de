package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Secret format.
//
// A generated secret is "engram_" + the 24 hex digits of its key id + "_" +
// 43 base62 characters drawn uniformly from crypto/rand (about 256 bits), 92
// bytes in all, e.g. engram_3f9c…e1_Q2x…9Z. The id part lets an operator see
// which key a leaked secret belongs to; verification never trusts it and
// goes through the digest. Installed root secrets (ENGRAM_ROOT_KEY) may be
// any string of 16..256 bearer-token characters.
//
// The server stores only HMAC-SHA256(pepper, secret).
const (
	secretPrefix    = "engram_"
	idHexLen        = 24
	secretRandLen   = 43
	MinSecretLen    = 16
	MaxSecretLen    = 256
	maxBearerHeader = len("Bearer ") + MaxSecretLen
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newID returns prefix followed by 24 random lowercase hex digits.
func newID(prefix string) string {
	var b [idHexLen / 2]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return prefix + hex.EncodeToString(b[:])
}

// newSecret returns a fresh secret for the key with the given id.
func newSecret(keyID string) string {
	var sb strings.Builder
	sb.Grow(len(secretPrefix) + idHexLen + 1 + secretRandLen)
	sb.WriteString(secretPrefix)
	sb.WriteString(strings.TrimPrefix(keyID, "key_"))
	sb.WriteByte('_')
	var buf [64]byte
	for n := 0; n < secretRandLen; {
		_, _ = rand.Read(buf[:])
		for _, c := range buf {
			if c < 248 && n < secretRandLen { // 248 = 4*62: no modulo bias
				sb.WriteByte(base62[c%62])
				n++
			}
		}
	}
	return sb.String()
}

// digest returns HMAC-SHA256(pepper, secret).
func digest(pepper []byte, secret string) []byte {
	m := hmac.New(sha256.New, pepper)
	m.Write([]byte(secret))
	return m.Sum(nil)
}

// tokenChar reports whether c may appear in a bearer token (RFC 6750
// b64token, plus '=' anywhere for leniency).
func tokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '='
}

// validSecretSyntax reports whether s could be a secret at all.
func validSecretSyntax(s string) bool {
	if len(s) < MinSecretLen || len(s) > MaxSecretLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenChar(s[i]) {
			return false
		}
	}
	return true
}

// ParseBearer extracts the secret from an Authorization header value of the
// exact form "Bearer <secret>": the scheme is case-insensitive, one space
// separates it from the secret, the secret is 16..256 bearer-token
// characters, and nothing else may follow. An empty header gives
// ErrMissingKey; anything else malformed gives ErrInvalidKey.
func ParseBearer(header string) (string, error) {
	if header == "" {
		return "", ErrMissingKey
	}
	if len(header) > maxBearerHeader {
		return "", ErrInvalidKey
	}
	scheme, secret, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !validSecretSyntax(secret) {
		return "", ErrInvalidKey
	}
	return secret, nil
}
