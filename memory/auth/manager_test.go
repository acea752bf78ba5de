package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/engramhq/engram/memory/storage"
)

func TestNewManagerValidates(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	_, err := NewManager(db, []byte("short"), &Options{CacheSize: -1, IdleExpiry: -1})
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want ValidationError", err)
	}
	for _, f := range []string{"pepper", "CacheSize", "IdleExpiry"} {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not report %s", err, f)
		}
	}
}

func TestOrganizations(t *testing.T) {
	ctx := context.Background()
	m, _, _ := newTestManager(t, nil)
	a, err := m.CreateOrganization(ctx, "acme", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.ID, "org_") {
		t.Fatalf("id %q", a.ID)
	}
	if _, err := m.CreateOrganization(ctx, "acme", nil); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate create: %v, want ErrConflict", err)
	}
	again, err := m.EnsureOrganization(ctx, "acme")
	if err != nil || again.ID != a.ID {
		t.Fatalf("Ensure = %+v, %v; want id %s", again, err, a.ID)
	}
	if _, err := m.CreateOrganization(ctx, "bad name", nil); !errors.As(err, new(*ValidationError)) {
		t.Fatalf("bad name: %v", err)
	}
	b := mustOrg(t, m, "beta")
	got, err := m.GetOrganization(ctx, b.ID)
	if err != nil || got.Name != "beta" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if _, err := m.GetOrganization(ctx, "org_nope"); !errors.Is(err, ErrOrgNotFound) {
		t.Fatalf("Get missing: %v", err)
	}
	list, err := m.ListOrganizations(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("List = %v, %v", list, err)
	}
	if _, _, err := m.Create(ctx, CreateRequest{OrganizationID: "org_nope", Name: "x", Scope: ScopeRead}); !errors.Is(err, ErrOrgNotFound) {
		t.Fatalf("create key in missing org: %v", err)
	}
}

func TestCreateValidation(t *testing.T) {
	ctx := context.Background()
	m, _, _ := newTestManager(t, nil)
	org := mustOrg(t, m, "acme")
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("n%d", i)
	}
	base := CreateRequest{OrganizationID: org.ID, Name: "k", Scope: ScopeWrite}
	tests := []struct {
		name  string
		edit  func(*CreateRequest)
		field string
	}{
		{"no-name", func(r *CreateRequest) { r.Name = "" }, "name"},
		{"bad-scope", func(r *CreateRequest) { r.Scope = 0 }, "scope"},
		{"too-many-grants", func(r *CreateRequest) { r.Namespaces = many }, "namespaces"},
		{"bad-pattern", func(r *CreateRequest) { r.Namespaces = []string{"a*b"} }, "namespaces"},
		{"expires-high", func(r *CreateRequest) { r.ExpiresInDays = 3651 }, "expires_in_days"},
		{"expires-neg", func(r *CreateRequest) { r.ExpiresInDays = -1 }, "expires_in_days"},
		{"rate-zero", func(r *CreateRequest) { r.RateLimit = &RateLimit{PerSecond: 0} }, "rate_limit"},
		{"rate-high", func(r *CreateRequest) { r.RateLimit = &RateLimit{PerSecond: 1e6} }, "rate_limit"},
		{"perm-above-scope", func(r *CreateRequest) { r.Permissions = []Permission{PermAdmin} }, "permissions"},
		{"ns-key-superadmin", func(r *CreateRequest) { r.Namespace, r.Scope = "prod", ScopeSuperAdmin }, "scope"},
		{"bad-env", func(r *CreateRequest) { r.Environment = "pro d" }, "environment"},
	}
	for _, tt := range tests {
		t.Run("case="+tt.name, func(t *testing.T) {
			req := base
			tt.edit(&req)
			_, _, err := m.Create(ctx, req)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Fatalf("err = %v, want ValidationError on %s", err, tt.field)
			}
		})
	}
}

func TestCreateVerify(t *testing.T) {
	ctx := context.Background()
	m, clk, db := newTestManager(t, nil)
	org := mustOrg(t, m, "acme")
	secret, k := mustCreate(t, m, CreateRequest{
		OrganizationID: org.ID, Name: "agent", Scope: ScopeWrite, Namespaces: []string{"team-*", "prod"},
		Environment: "prod", ExpiresInDays: 30, RateLimit: &RateLimit{PerSecond: 5},
	})
	if k.RateLimit.Burst != 10 || k.ExpiresAt == nil || !k.ExpiresAt.Equal(clk.Now().Add(30*24*time.Hour)) {
		t.Fatalf("key = %+v", k)
	}
	for i := range 3 { // miss, then hits
		got, err := m.Verify(ctx, secret)
		if err != nil {
			t.Fatalf("Verify #%d: %v", i, err)
		}
		if got.ID != k.ID || !got.Allows("team-a") || got.Allows("team-") || !got.Can(PermDelete) || got.Can(PermAdmin) {
			t.Fatalf("Verify #%d = %+v", i, got)
		}
	}
	for _, bad := range []string{"", secret[:len(secret)-1], secret + "x", strings.ToUpper(secret)} {
		if _, err := m.Verify(ctx, bad); !errors.Is(err, ErrInvalidKey) {
			t.Fatalf("Verify(bad) = %v, want ErrInvalidKey", err)
		}
	}
	assertNoPlaintext(t, db, secret)
	assertNoPlaintext(t, db, secret[len(secret)-43:])
	clk.Advance(30 * 24 * time.Hour)
	if _, err := m.Verify(ctx, secret); !errors.Is(err, ErrKeyExpired) {
		t.Fatalf("after expiry: %v, want ErrKeyExpired", err)
	}
}

func TestRevocationIsImmediate(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		op   func(m *Manager, orgID, id string) error
		want error
	}{
		{"deactivate", func(m *Manager, o, id string) error { _, err := m.Deactivate(ctx, o, id); return err }, ErrInvalidKey},
		{"delete", func(m *Manager, o, id string) error { return m.Delete(ctx, o, id) }, ErrInvalidKey},
		{"rotate-no-grace", func(m *Manager, o, id string) error { _, _, _, err := m.Rotate(ctx, o, id, 0); return err }, ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run("op="+tt.name, func(t *testing.T) {
			m, _, _ := newTestManager(t, nil)
			org := mustOrg(t, m, "acme")
			secret, k := mustCreate(t, m, CreateRequest{OrganizationID: org.ID, Name: "a", Scope: ScopeRead})
			if _, err := m.Verify(ctx, secret); err != nil { // now cached
				t.Fatal(err)
			}
			if err := tt.op(m, org.ID, k.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Verify(ctx, secret); !errors.Is(err, tt.want) {
				t.Fatalf("Verify after %s = %v, want %v", tt.name, err, tt.want)
			}
		})
	}
}

func TestPatchIsImmediate(t *testing.T) {
	ctx := context.Background()
	m, _, _ := newTestManager(t, nil)
	org := mustOrg(t, m, "acme")
	secret, k := mustCreate(t, m, CreateRequest{OrganizationID: org.ID, Name: "a", Scope: ScopeRead})
	if got, _ := m.Verify(ctx, secret); !got.Allows("secret-ns") {
		t.Fatal("nil grants must allow every namespace")
	}
	grants := []string{"public-*"}
	name := "renamed"
	p, err := m.Update(ctx, org.ID, k.ID, Patch{Name: &name, Namespaces: &grants, RateLimit: &RateLimit{PerSecond: 2, Burst: 3}})
	if err != nil || p.Name != "renamed" || p.RateLimit.Burst != 3 {
		t.Fatalf("Update = %+v, %v", p, err)
	}
	got, err := m.Verify(ctx, secret)
	if err != nil || got.Allows("secret-ns") || !got.Allows("public-x") || got.Name != "renamed" {
		t.Fatalf("Verify after patch = %+v, %v", got, err)
	}
	if _, err := m.Update(ctx, "org_other", k.ID, Patch{Name: &name}); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("update from other org: %v", err)
	}
	p, err = m.Update(ctx, org.ID, k.ID, Patch{ClearRateLimit: true})
	if err != nil || p.RateLimit != nil {
		t.Fatalf("clear rate limit = %+v, %v", p, err)
	}
}

func TestRotateGrace(t *testing.T) {
	ctx := context.Background()
	m, clk, _ := newTestManager(t, nil)
	org := mustOrg(t, m, "acme")
	oldSecret, k := mustCreate(t, m, CreateRequest{OrganizationID: org.ID, Name: "a", Scope: ScopeAdmin, Namespaces: []string{"x"}})
	if _, err := m.Verify(ctx, oldSecret); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := m.Rotate(ctx, org.ID, k.ID, 7*24*time.Hour+time.Second); !errors.As(err, new(*ValidationError)) {
		t.Fatalf("grace > 7d: %v", err)
	}
	newSecret, nk, old, err := m.Rotate(ctx, org.ID, k.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if nk.ID == k.ID || old.RotatedTo != nk.ID || !old.GraceUntil.Equal(clk.Now().Add(time.Hour)) ||
		nk.Scope != ScopeAdmin || !slices.Equal(nk.Namespaces, []string{"x"}) {
		t.Fatalf("rotate: new %+v old %+v", nk, old)
	}
	if _, _, _, err := m.Rotate(ctx, org.ID, k.ID, 0); !errors.Is(err, ErrConflict) {
		t.Fatalf("second rotate of old key: %v, want ErrConflict", err)
	}
	for _, s := range []string{oldSecret, newSecret} {
		if _, err := m.Verify(ctx, s); err != nil {
			t.Fatalf("during grace: %v", err)
		}
	}
	clk.Advance(time.Hour)
	if _, err := m.Verify(ctx, oldSecret); !errors.Is(err, ErrKeyExpired) {
		t.Fatalf("old key after grace: %v, want ErrKeyExpired", err)
	}
	if got, err := m.Verify(ctx, newSecret); err != nil || got.ID != nk.ID {
		t.Fatalf("new key after grace: %+v, %v", got, err)
	}
}

func TestIdleExpiryAndLastUsed(t *testing.T) {
	ctx := context.Background()
	m, clk, _ := newTestManager(t, &Options{IdleExpiry: time.Hour})
	org := mustOrg(t, m, "acme")
	secret, k := mustCreate(t, m, CreateRequest{OrganizationID: org.ID, Name: "a", Scope: ScopeRead})
	clk.Advance(59 * time.Minute)
	if _, err := m.Verify(ctx, secret); err != nil {
		t.Fatal(err)
	}
	stored, err := m.Get(ctx, org.ID, k.ID)
	if err != nil || stored.LastUsedAt == nil || !stored.LastUsedAt.Equal(clk.Now()) {
		t.Fatalf("LastUsedAt after first use = %+v, %v", stored, err)
	}
	first := clk.Now()
	clk.Advance(30 * time.Second) // within a minute: not written again
	if _, err := m.Verify(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if stored, _ = m.Get(ctx, org.ID, k.ID); !stored.LastUsedAt.Equal(first) {
		t.Fatalf("LastUsedAt rewritten within a minute: %v", stored.LastUsedAt)
	}
	clk.Advance(59 * time.Minute) // 59.5 min since the cached use: still alive
	if _, err := m.Verify(ctx, secret); err != nil {
		t.Fatalf("used 59.5 min ago: %v", err)
	}
	if stored, _ = m.Get(ctx, org.ID, k.ID); !stored.LastUsedAt.Equal(clk.Now()) {
		t.Fatalf("LastUsedAt not written after a minute: %v", stored.LastUsedAt)
	}
	clk.Advance(time.Hour)
	if _, err := m.Verify(ctx, secret); !errors.Is(err, ErrKeyExpired) {
		t.Fatalf("idle for an hour: %v, want ErrKeyExpired", err)
	}
}

func TestListAndGet(t *testing.T) {
	ctx := context.Background()
	m, clk, _ := newTestManager(t, nil)
	a, b := mustOrg(t, m, "a"), mustOrg(t, m, "b")
	var ids []string
	for i := range 3 {
		_, k := mustCreate(t, m, CreateRequest{OrganizationID: a.ID, Name: fmt.Sprint("k", i), Scope: ScopeRead, Environment: []string{"dev", "prod", "prod"}[i]})
		ids = append(ids, k.ID)
		clk.Advance(time.Second)
	}
	_, nsKey := mustCreate(t, m, CreateRequest{OrganizationID: a.ID, Name: "ns", Scope: ScopeAdmin, Namespace: "prod"})
	_, other := mustCreate(t, m, CreateRequest{OrganizationID: b.ID, Name: "other", Scope: ScopeRead})
	if _, err := m.Deactivate(ctx, a.ID, ids[1]); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		org  string
		f    ListFilter
		want []string
	}{
		{"org-a", a.ID, ListFilter{}, append(slices.Clone(ids), nsKey.ID)},
		{"org-b", b.ID, ListFilter{}, []string{other.ID}},
		{"active", a.ID, ListFilter{ActiveOnly: true}, []string{ids[0], ids[2], nsKey.ID}},
		{"env", a.ID, ListFilter{Environment: "prod"}, []string{ids[1], ids[2]}},
		{"namespace", a.ID, ListFilter{Namespace: "prod"}, []string{nsKey.ID}},
		{"all-orgs", "", ListFilter{Namespace: "prod"}, []string{nsKey.ID}},
	}
	for _, tt := range tests {
		t.Run("case="+tt.name, func(t *testing.T) {
			keys, err := m.List(ctx, tt.org, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, k := range keys {
				got = append(got, k.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	if got, err := m.Get(ctx, a.ID, nsKey.ID); err != nil || !slices.Equal(got.Namespaces, []string{"prod"}) || got.Namespace != "prod" {
		t.Fatalf("Get ns key = %+v, %v", got, err)
	}
	if _, err := m.Get(ctx, b.ID, nsKey.ID); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("Get across orgs: %v, want ErrKeyNotFound", err)
	}
	if err := m.Delete(ctx, b.ID, nsKey.ID); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("Delete across orgs: %v", err)
	}
}

func TestBootstrap(t *testing.T) {
	ctx := context.Background()
	t.Run("mode=generated", func(t *testing.T) {
		m, _, _ := newTestManager(t, nil)
		s, err := m.Bootstrap(ctx, "")
		if err != nil || s == "" {
			t.Fatalf("Bootstrap = %q, %v", s, err)
		}
		k, err := m.Verify(ctx, s)
		if err != nil || k.Scope != ScopeSuperAdmin || k.Name != RootKeyName {
			t.Fatalf("root key = %+v, %v", k, err)
		}
		if again, err := m.Bootstrap(ctx, ""); err != nil || again != "" {
			t.Fatalf("second Bootstrap = %q, %v; want empty", again, err)
		}
		// Deactivating the root key lets the next start create a new one.
		if _, err := m.Deactivate(ctx, "", k.ID); err != nil {
			t.Fatal(err)
		}
		if s2, err := m.Bootstrap(ctx, ""); err != nil || s2 == "" || s2 == s {
			t.Fatalf("Bootstrap after deactivation = %q, %v", s2, err)
		}
	})
	t.Run("mode=installed", func(t *testing.T) {
		m, _, db := newTestManager(t, nil)
		root := "my-root-key-from-the-environment"
		for range 2 {
			if s, err := m.Bootstrap(ctx, root); err != nil || s != "" {
				t.Fatalf("Bootstrap(root) = %q, %v", s, err)
			}
		}
		k, err := m.Verify(ctx, root)
		if err != nil || k.Scope != ScopeSuperAdmin {
			t.Fatalf("Verify(root) = %+v, %v", k, err)
		}
		keys, _ := m.List(ctx, "", ListFilter{})
		if len(keys) != 1 {
			t.Fatalf("%d keys after two installs, want 1", len(keys))
		}
		org, err := m.OrganizationByName(ctx, DefaultOrganization)
		if err != nil || k.OrganizationID != org.ID {
			t.Fatalf("default org = %+v, %v", org, err)
		}
		assertNoPlaintext(t, db, root)
		if _, err := m.Bootstrap(ctx, "short"); !errors.As(err, new(*ValidationError)) {
			t.Fatalf("short root key: %v", err)
		}
	})
}

// assertNoPlaintext fails if secret appears in any key or value of the
// system keyspace.
func assertNoPlaintext(t *testing.T, db storage.DB, secret string) {
	t.Helper()
	err := db.View(context.Background(), func(txn storage.Txn) error {
		return txn.Scan([]byte{0}, nil, false, func(k, v []byte) error {
			if strings.Contains(string(k), secret) || strings.Contains(string(v), secret) {
				return fmt.Errorf("secret stored in plain at %q", k)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentVerifyAndRevoke(t *testing.T) {
	ctx := context.Background()
	m, _, _ := newTestManager(t, nil)
	org := mustOrg(t, m, "acme")
	secret, k := mustCreate(t, m, CreateRequest{OrganizationID: org.ID, Name: "a", Scope: ScopeRead})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if _, err := m.Verify(ctx, secret); err != nil && !errors.Is(err, ErrInvalidKey) {
					t.Error(err)
					return
				}
			}
		}()
	}
	if _, err := m.Deactivate(ctx, org.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Verify(ctx, secret); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("Verify right after Deactivate: %v", err)
	}
	wg.Wait()
	if _, err := m.Verify(ctx, secret); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("Verify after concurrent verifies: %v", err)
	}
}

func TestCacheTTLBoundsForeignChanges(t *testing.T) {
	ctx := context.Background()
	m, clk, db := newTestManager(t, &Options{CacheTTL: time.Minute})
	org := mustOrg(t, m, "acme")
	secret, k := mustCreate(t, m, CreateRequest{OrganizationID: org.ID, Name: "a", Scope: ScopeRead})
	if _, err := m.Verify(ctx, secret); err != nil {
		t.Fatal(err)
	}
	// Another process (a second Manager on the same storage) revokes it.
	other, err := NewManager(db, testPepper, &Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Deactivate(ctx, org.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Verify(ctx, secret); err != nil {
		t.Fatalf("within the TTL the cached key still verifies: %v", err)
	}
	clk.Advance(time.Minute)
	if _, err := m.Verify(ctx, secret); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("after the TTL: %v, want ErrInvalidKey", err)
	}
}
