package store

import (
	"context"
	"encoding/json"
	"fmt"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// stageColumns are where stages are stored.
var stageColumns = [][2]string{{"customers", "stage"}, {"followups", "stage_from"}, {"followups", "stage_to"}}

// MapStages brings the stored stages to the store's policy.stages: a stage
// stored under one of a configured stage's aliases is renamed to it; one
// with no place in the list is an error that names it, so the service does
// not start with customers the funnel cannot show. It runs at every start
// but reads the tables only when the list changed since the last one (the
// setting "stages").
func (s *Store) MapStages(ctx context.Context) error {
	defs := s.policy.Stages
	if len(defs) == 0 {
		defs = baobei.DefaultStages()
	}
	b, err := json.Marshal(defs)
	if err != nil {
		return err
	}
	if v, ok, err := s.Setting(ctx, "stages"); err != nil || (ok && v == string(b)) {
		return err
	}
	names := map[string]baobei.Stage{}
	for _, d := range defs {
		names[string(d.Name)] = d.Name
		for _, a := range d.Aliases {
			names[a] = d.Name
		}
	}
	if err := s.tx(ctx, func(tx *sqlx.Tx) error { return mapStages(ctx, tx, names) }); err != nil {
		return err
	}
	return s.SetSetting(ctx, "stages", string(b))
}

func mapStages(ctx context.Context, tx *sqlx.Tx, names map[string]baobei.Stage) error {
	for _, tc := range stageColumns {
		var stored []struct {
			Stage string `db:"stage"`
			N     int    `db:"n"`
		}
		q := fmt.Sprintf("SELECT %s AS stage, COUNT(*) AS n FROM %s GROUP BY %s", tc[1], tc[0], tc[1])
		if err := tx.SelectContext(ctx, &stored, q); err != nil {
			return err
		}
		for _, st := range stored {
			to, ok := names[st.Stage]
			switch {
			case st.Stage == "" || (ok && string(to) == st.Stage):
			case !ok:
				return fmt.Errorf("stored stage %q (%d rows of %s.%s) is not in policy.stages: add it as a stage, or as an alias of the stage it became (aliases: [%s])",
					st.Stage, st.N, tc[0], tc[1], st.Stage)
			default:
				q := fmt.Sprintf("UPDATE %s SET %s = ? WHERE %s = ?", tc[0], tc[1], tc[1])
				if _, err := tx.ExecContext(ctx, q, to, st.Stage); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
