package baobei

import "time"

// ImportRow is one row of an imported sheet, checked and normalised: the
// customer, its owner (nil: the pool), and what the sheet knew of it.
type ImportRow struct {
	Line       int // the row's number in the file (the header is 1)
	Draft      CustomerDraft
	Owner      *User
	ReportedAt *time.Time // the sheet's report time, kept for statistics; nil: the import's
	Stage      Stage      // "" is 新线索
	NextAt     *time.Time // 下次跟进
	Via        string     // a lead from outside chat: who sent it (audit action lead, not import)
	Keys       []Key      // Draft.Keys, when the reader computed them already (they cost; nil: the store computes them)
}

// DedupKeys are the row's keys.
func (r ImportRow) DedupKeys(p Policy) []Key {
	if r.Keys != nil {
		return r.Keys
	}
	return r.Draft.Keys(p)
}

// Import outcomes.
const (
	ImportImported  = "imported"
	ImportDuplicate = "duplicate"
	ImportInvalid   = "invalid"
)

// ImportResult is what became of one row. A duplicate names the existing
// customer, its owner and the key it shares; with Line set, DupOfLine is
// the earlier row of the same file that took the key.
type ImportResult struct {
	Line       int
	Status     string
	CustomerID int64
	Owner      string // the owner of the imported or existing customer ("" in the pool)
	Key        string // duplicate: 手机号, 微信号 or 公司
	DupOfLine  int    // duplicate of an earlier row of the file
	Column     string // invalid: the column
	Reason     string // invalid: why, in Chinese
}
