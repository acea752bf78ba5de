package webhook_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/engramhq/engram/memory/webhook"
)

func TestVerify(t *testing.T) {
	const secret = "whsec_0123456789abcdef"
	body := []byte(`{"id":"evt_1","type":"memory.stored"}`)
	sent := time.Unix(1_800_000_000, 0)
	good := webhook.Sign(secret, sent, body)
	other := webhook.Sign("another-secret-0123", sent, body)
	ts := "t=" + strconv.FormatInt(sent.Unix(), 10)
	for _, tc := range []struct {
		name      string
		secret    string
		header    string
		body      []byte
		now       time.Time
		tolerance time.Duration
		want      error
	}{
		{"case=valid", secret, good, body, sent.Add(time.Second), 0, nil},
		{"case=valid_at_window_edge", secret, good, body, sent.Add(5 * time.Minute), 0, nil},
		{"case=replay_after_window", secret, good, body, sent.Add(5*time.Minute + time.Second), 0, webhook.ErrStaleSignature},
		{"case=replay_custom_tolerance", secret, good, body, sent.Add(31 * time.Second), 30 * time.Second, webhook.ErrStaleSignature},
		{"case=future_timestamp", secret, good, body, sent.Add(-10 * time.Minute), 0, webhook.ErrStaleSignature},
		{"case=tampered_body", secret, good, []byte(`{"id":"evt_2","type":"memory.stored"}`), sent, 0, webhook.ErrBadSignature},
		{"case=wrong_secret", "wrong-secret-0123456", good, body, sent, 0, webhook.ErrBadSignature},
		{"case=rotated_secrets", secret, other + ",v1=" + good[len(ts)+4:], body, sent, 0, nil},
		{"case=tampered_timestamp", secret, "t=" + strconv.FormatInt(sent.Unix()+1, 10) + good[len(ts):], body, sent, 0, webhook.ErrBadSignature},
		{"case=empty", secret, "", body, sent, 0, webhook.ErrMalformedSignature},
		{"case=no_v1", secret, ts, body, sent, 0, webhook.ErrMalformedSignature},
		{"case=bad_hex", secret, ts + ",v1=zz", body, sent, 0, webhook.ErrMalformedSignature},
		{"case=no_timestamp", secret, good[len(ts)+1:], body, sent, 0, webhook.ErrMalformedSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := webhook.Verify(tc.secret, tc.header, tc.body, tc.now, tc.tolerance)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("Verify(%q) = %v, want %v", tc.header, err, tc.want)
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("t=1800000000,v1=00", []byte("{}"))
	f.Add(webhook.Sign("s", time.Unix(1_800_000_000, 0), []byte("{}")), []byte("{}"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		_ = webhook.Verify("secret-secret-secret", header, body, time.Unix(1_800_000_000, 0), 0)
	})
}
