package store

import (
	"context"
	"strings"

	"baobei"
)

// ExportRow is a customer as baobei export writes it.
type ExportRow struct {
	baobei.Customer
	FollowUps int    `db:"followups"`
	TeamName  string `db:"team_name"`
	Tags      string `db:"tags"`   // comma-separated
	Fields    string `db:"fields"` // custom field values, a JSON object
}

// Custom decodes the row's custom field values.
func (r *ExportRow) Custom() (map[string]string, error) { return decodeFields(r.Fields) }

// Export streams the customers of a scope in id order to fn: every one
// (the pool too), a team's owners', or one owner's.
func (s *Store) Export(ctx context.Context, scope baobei.Scope, fn func(*ExportRow) error) error {
	q := strings.Replace(customerSelect, "FROM customers c ",
		", (SELECT COUNT(*) FROM followups f WHERE f.customer_id = c.id) AS followups, COALESCE(t.name, '') AS team_name,\n\t"+
			"COALESCE((SELECT GROUP_CONCAT(ct.tag) FROM customer_tags ct WHERE ct.customer_id = c.id), '') AS tags,\n\t"+
			s.fieldsJSON()+" AS fields\n\tFROM customers c ", 1) +
		"LEFT JOIN teams t ON t.id = u.team_id "
	var args []any
	switch {
	case scope.UserID != nil:
		q += "WHERE c.owner_id = ? "
		args = append(args, *scope.UserID)
	case scope.TeamID != nil:
		q += "WHERE u.team_id = ? "
		args = append(args, *scope.TeamID)
	}
	return eachRow(ctx, s.db, q+"ORDER BY c.id", args, fn)
}
