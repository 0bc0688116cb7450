package store_test

import (
	"errors"
	"testing"
	"time"

	"baobei"
	"baobei/store/storetest"
)

// Keys stored by the old normalisation (杭州明远家居 and 明远家居 were two
// keys) are recomputed by migration 00011 (RekeyCompanies): the customer
// reported first keeps the shared key, and a new report of the company in
// a third spelling is refused.
func TestRekeyCompanies(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := storetest.Seed(t, b, baobei.DefaultPolicy())
			if n := f.Count(t, "SELECT COUNT(*) FROM goose_db_version WHERE version_id = 11 AND is_applied"); n != 1 {
				t.Fatalf("migration 00011 applied %d times, want 1", n)
			}
			report := func(at time.Time, u *baobei.User, phone, company string) (*baobei.ReportResult, error) {
				return f.S.Report(f.Ctx, at, u, baobei.CustomerDraft{Phone: phone, Name: "王总", Company: company})
			}
			a, err := report(storetest.T0, f.Zhangsan, "13800138001", "杭州明远家居有限公司")
			if err != nil {
				t.Fatal(err)
			}
			c, err := report(storetest.T0.Add(time.Hour), f.Lisi, "13800138002", "")
			if err != nil {
				t.Fatal(err)
			}
			// What the old NormalizeCompany stored: two keys for one company.
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := f.S.DB().ExecContext(f.Ctx, q, args...); err != nil {
					t.Fatal(err)
				}
			}
			exec("UPDATE customer_keys SET value = ? WHERE kind = ? AND customer_id = ?", "杭州明远家居", baobei.KeyCompany, a.Customer.ID)
			exec("UPDATE customers SET company = ? WHERE id = ?", "明远家居", c.Customer.ID)
			exec("INSERT INTO customer_keys (kind, value, customer_id) VALUES (?, ?, ?)", baobei.KeyCompany, "明远家居", c.Customer.ID)

			tx, err := f.S.DB().BeginTx(f.Ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.S.RekeyCompanies(f.Ctx, tx); err != nil {
				tx.Rollback()
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM customer_keys WHERE kind = ? AND value = ? AND customer_id = ?", baobei.KeyCompany, "明远家居", a.Customer.ID); n != 1 {
				t.Errorf("the first reporter's customer holds the key %d times, want 1", n)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM customer_keys WHERE kind = ?", baobei.KeyCompany); n != 1 {
				t.Errorf("%d company keys, want 1", n)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM customer_keys WHERE customer_id = ?", c.Customer.ID); n != 1 {
				t.Errorf("the later customer has %d keys, want its phone only", n)
			}
			_, err = report(storetest.T0.Add(2*time.Hour), f.Zhaowu, "13800138003", "明远家居（杭州）有限公司")
			var conflict *baobei.Conflict
			if !errors.As(err, &conflict) {
				t.Fatalf("report of 明远家居（杭州）有限公司 = %v, want a conflict", err)
			}
		})
	}
}
