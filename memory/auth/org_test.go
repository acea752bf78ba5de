package auth

import (
	"context"
	"errors"
	"math"
	"testing"
)

func TestOrganizationRateLimitValidation(t *testing.T) {
	ctx := context.Background()
	m, _, _ := newTestManager(t, nil)
	org := mustOrg(t, m, "acme")
	cases := []struct {
		name string
		rl   RateLimit
	}{
		{"rate=zero", RateLimit{PerSecond: 0}},
		{"rate=negative", RateLimit{PerSecond: -1}},
		{"rate=below-min", RateLimit{PerSecond: 1e-12}},
		{"rate=above-max", RateLimit{PerSecond: MaxRatePerSecond + 1}},
		{"rate=inf", RateLimit{PerSecond: math.Inf(1)}},
		{"rate=nan", RateLimit{PerSecond: math.NaN()}},
		{"burst=negative", RateLimit{PerSecond: 1, Burst: -1}},
		{"burst=above-max", RateLimit{PerSecond: 1, Burst: MaxBurst + 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rl := tc.rl
			_, err := m.CreateOrganization(ctx, "org-"+tc.name[:4], &rl)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != "rate_limit" {
				t.Fatalf("create: err = %v, want ValidationError on rate_limit", err)
			}
			_, err = m.UpdateOrganization(ctx, org.ID, OrgPatch{RateLimit: &rl})
			if !errors.As(err, &ve) || ve.Field != "rate_limit" {
				t.Fatalf("update: err = %v, want ValidationError on rate_limit", err)
			}
		})
	}
	// Nothing was created by the refused calls.
	list, err := m.ListOrganizations(ctx)
	if err != nil || len(list) != 1 || list[0].RateLimit != nil {
		t.Fatalf("organizations = %+v, %v; want acme alone, without a limit", list, err)
	}
}

func TestOrganizationRateLimitReachesVerify(t *testing.T) {
	ctx := context.Background()
	// No cache TTL: only invalidation can make a change visible.
	m, _, _ := newTestManager(t, &Options{CacheTTL: -1})
	org, err := m.CreateOrganization(ctx, "acme", &RateLimit{PerSecond: 5})
	if err != nil {
		t.Fatal(err)
	}
	if org.RateLimit == nil || *org.RateLimit != (RateLimit{PerSecond: 5, Burst: 10}) {
		t.Fatalf("created rate limit = %+v, want 5/s burst 10 (burst defaults to twice the rate)", org.RateLimit)
	}
	other := mustOrg(t, m, "other")
	plainSecret, plain := mustCreate(t, m, CreateRequest{OrganizationID: org.ID, Name: "plain", Scope: ScopeRead})
	ownSecret, _ := mustCreate(t, m, CreateRequest{OrganizationID: org.ID, Name: "own", Scope: ScopeRead,
		RateLimit: &RateLimit{PerSecond: 1, Burst: 1}})
	otherSecret, _ := mustCreate(t, m, CreateRequest{OrganizationID: other.ID, Name: "o", Scope: ScopeRead})

	check := func(label, secret string, want *RateLimit) {
		t.Helper()
		k, err := m.Verify(ctx, secret)
		if err != nil {
			t.Fatalf("%s: Verify: %v", label, err)
		}
		switch {
		case want == nil && k.RateLimit != nil:
			t.Fatalf("%s: rate limit = %+v, want none", label, *k.RateLimit)
		case want != nil && (k.RateLimit == nil || *k.RateLimit != *want):
			t.Fatalf("%s: rate limit = %+v, want %+v", label, k.RateLimit, *want)
		}
	}
	orgLimit := &RateLimit{PerSecond: 5, Burst: 10}
	own := &RateLimit{PerSecond: 1, Burst: 1}
	for range 2 { // the second round is served from the cache
		check("inherits", plainSecret, orgLimit)
		check("own wins", ownSecret, own)
		check("other org", otherSecret, nil)
	}
	// Get shows the key's own limit, not the inherited one.
	if k, err := m.Get(ctx, org.ID, plain.ID); err != nil || k.RateLimit != nil {
		t.Fatalf("Get = %+v, %v; want no own rate limit", k, err)
	}

	up, err := m.UpdateOrganization(ctx, org.ID, OrgPatch{RateLimit: &RateLimit{PerSecond: 2, Burst: 3}})
	if err != nil || *up.RateLimit != (RateLimit{PerSecond: 2, Burst: 3}) {
		t.Fatalf("Update = %+v, %v", up, err)
	}
	check("after update", plainSecret, &RateLimit{PerSecond: 2, Burst: 3})
	check("own still wins", ownSecret, own)

	if _, err := m.UpdateOrganization(ctx, org.ID, OrgPatch{ClearRateLimit: true}); err != nil {
		t.Fatal(err)
	}
	check("after clear", plainSecret, nil)
	got, err := m.GetOrganization(ctx, org.ID)
	if err != nil || got.RateLimit != nil {
		t.Fatalf("Get after clear = %+v, %v", got, err)
	}
}

func TestUpdateOrganizationName(t *testing.T) {
	ctx := context.Background()
	m, _, _ := newTestManager(t, nil)
	def := mustOrg(t, m, DefaultOrganization)
	a := mustOrg(t, m, "acme")
	mustOrg(t, m, "taken")
	name := func(s string) OrgPatch { return OrgPatch{Name: &s} }
	cases := []struct {
		name  string
		id    string
		patch OrgPatch
		check func(error) bool
	}{
		{"case=taken", a.ID, name("taken"), func(err error) bool { return errors.Is(err, ErrConflict) }},
		{"case=bad-name", a.ID, name("no spaces"), func(err error) bool { return errors.As(err, new(*ValidationError)) }},
		{"case=default", def.ID, name("renamed"), func(err error) bool { return errors.As(err, new(*ValidationError)) }},
		{"case=unknown-id", "org_000000000000000000000000", name("x"), func(err error) bool { return errors.Is(err, ErrOrgNotFound) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := m.UpdateOrganization(ctx, tc.id, tc.patch); !tc.check(err) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	up, err := m.UpdateOrganization(ctx, a.ID, name("acme-2"))
	if err != nil || up.Name != "acme-2" || up.ID != a.ID {
		t.Fatalf("rename = %+v, %v", up, err)
	}
	if got, err := m.OrganizationByName(ctx, "acme-2"); err != nil || got.ID != a.ID {
		t.Fatalf("by new name = %+v, %v", got, err)
	}
	if _, err := m.OrganizationByName(ctx, "acme"); !errors.Is(err, ErrOrgNotFound) {
		t.Fatalf("by old name: %v, want ErrOrgNotFound", err)
	}
	// The old name is free again; the default organization keeps its own.
	if _, err := m.CreateOrganization(ctx, "acme", nil); err != nil {
		t.Fatalf("reuse old name: %v", err)
	}
	if _, err := m.UpdateOrganization(ctx, def.ID, name(DefaultOrganization)); err != nil {
		t.Fatalf("default organization, same name: %v", err)
	}
}
