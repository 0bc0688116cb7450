package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"baobei"

	"github.com/pressly/goose/v3"
)

//go:embed migrations
var migrations embed.FS

// Migrate brings the schema up to date; it is safe to run at every start.
// The SQL files under migrations/<dialect> come with the Go migrations of
// goMigrations, which change data the way the Go code computes it.
func (s *Store) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+s.dialect)
	if err != nil {
		return err
	}
	dialect := goose.DialectMySQL
	if s.dialect == SQLite {
		dialect = goose.DialectSQLite3
	}
	p, err := goose.NewProvider(dialect, s.db.DB, sub, goose.WithGoMigrations(s.goMigrations()...))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", s.dialect, err)
	}
	return s.MapStages(ctx)
}

// goMigrations are the migrations written in Go; their versions share the
// numbering of the SQL files.
func (s *Store) goMigrations() []*goose.Migration {
	return []*goose.Migration{
		// 00011: company keys computed by the normalisation of issue 12
		// (places, brackets, shop and branch suffixes).
		goose.NewGoMigration(11, &goose.GoFunc{RunTx: s.RekeyCompanies}, &goose.GoFunc{Mode: goose.TransactionEnabled}),
	}
}

// RekeyCompanies recomputes every company dedup key from customers.company
// with baobei.NormalizeCompany and the store's policy. Keys computed by an
// older normalisation (杭州明远家居 and 明远家居 were two keys) become the
// current ones. When customers now share a key, the one reported first keeps
// it, as it would have won the report; the others keep their phone and
// WeChat keys. Run it again after changing policy.company_suffixes.
func (s *Store) RekeyCompanies(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT c.id, c.company FROM customer_keys k JOIN customers c ON c.id = k.customer_id
		WHERE k.kind = ? ORDER BY c.reported_at, c.id`, baobei.KeyCompany)
	if err != nil {
		return err
	}
	type key struct {
		id    int64
		value string
	}
	var keys []key
	taken := map[string]bool{}
	for rows.Next() {
		var id int64
		var company string
		if err := rows.Scan(&id, &company); err != nil {
			rows.Close()
			return err
		}
		v := baobei.NormalizeCompany(company, s.policy.CompanySuffixes)
		if v != "" && !taken[v] {
			taken[v] = true
			keys = append(keys, key{id, v})
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM customer_keys WHERE kind = ?", baobei.KeyCompany); err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, "INSERT INTO customer_keys (kind, value, customer_id) VALUES (?, ?, ?)", baobei.KeyCompany, k.value, k.id); err != nil {
			return err
		}
	}
	return nil
}
