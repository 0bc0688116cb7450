package baobei

import (
	"slices"
	"strings"
	"time"
)

// HTTP API scopes: what a token may do.
const (
	ScopeLeadsWrite     = "leads:write"     // POST /leads, POST /reports
	ScopeCustomersRead  = "customers:read"  // GET /customers, GET /customers/{id}
	ScopeCustomersWrite = "customers:write" // POST /customers/{id}/followups, POST /imports
	ScopeStatsRead      = "stats:read"      // GET /stats
)

// Scopes lists every scope.
var Scopes = []string{ScopeLeadsWrite, ScopeCustomersRead, ScopeCustomersWrite, ScopeStatsRead}

// APIToken is a bearer token of the HTTP API; only its SHA-256 is stored,
// and Prefix (its first characters) tells tokens apart in lists.
type APIToken struct {
	ID         int64      `db:"id"`
	Name       string     `db:"name"`
	Prefix     string     `db:"prefix"`
	Scopes     string     `db:"scopes"` // comma-separated
	CreatedAt  time.Time  `db:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at"`
	RevokedAt  *time.Time `db:"revoked_at"`
}

// Has reports whether the token carries scope.
func (t *APIToken) Has(scope string) bool {
	return slices.Contains(strings.Split(t.Scopes, ","), scope)
}

// ParseScopes reads a comma-separated scope list, refusing unknown ones.
func ParseScopes(s string) ([]string, error) {
	var out []string
	for _, sc := range strings.Split(s, ",") {
		sc = strings.TrimSpace(sc)
		if sc == "" || slices.Contains(out, sc) {
			continue
		}
		if !slices.Contains(Scopes, sc) {
			return nil, Errorf(EINVALID, "unknown scope %q (scopes: %s)", sc, strings.Join(Scopes, ", "))
		}
		out = append(out, sc)
	}
	if len(out) == 0 {
		return nil, Errorf(EINVALID, "give at least one scope (%s)", strings.Join(Scopes, ", "))
	}
	return out, nil
}

// One-time link kinds (store.CreateLink): the chat command that makes each.
const (
	LinkExport = "export" // 导出: an xlsx download
	LinkDash   = "dash"   // 看板: a dashboard session
)

// LinkCommand is the chat command that makes a link of kind.
func LinkCommand(kind string) string {
	if kind == LinkDash {
		return "看板"
	}
	return "导出"
}
