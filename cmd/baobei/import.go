package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"baobei"
	"baobei/importer"
	"baobei/store"
)

const importUsage = "用法：baobei import FILE.xlsx|FILE.csv [--dry-run] [--sheet NAME] [--owner UID] [--report OUT.xlsx|OUT.csv]"

// importCmd is `baobei import`: the sheet into the configured database,
// with a summary on out and, with --report, one row per input row.
func importCmd(ctx context.Context, args []string, out io.Writer) error {
	var dry bool
	var sheet, owner, report string
	cfg, err := loadConfig("import", args, func(fl *flag.FlagSet) {
		fl.BoolVar(&dry, "dry-run", false, "check and report only; write nothing")
		fl.StringVar(&sheet, "sheet", "", "the sheet of an xlsx file (default: the first)")
		fl.StringVar(&owner, "owner", "", "uid (or name) of the rep who gets the rows without an owner (default: the pool)")
		fl.StringVar(&report, "report", "", "write the report here (.xlsx or .csv)")
	})
	if err != nil {
		return err
	}
	if len(cfg.args) != 1 {
		return errors.New(importUsage)
	}
	src, err := importer.Open(cfg.args[0], sheet)
	if err != nil {
		return err
	}
	defer src.Close()
	s, err := store.Open(ctx, cfg.DB, cfg.Policy)
	if err != nil {
		return err
	}
	defer s.Close()
	now := time.Now()
	if err := s.SyncOrg(ctx, orgOf(cfg), now); err != nil {
		return fmt.Errorf("org: %w", err)
	}
	o := importer.Options{DryRun: dry}
	if owner != "" {
		if o.Owner, err = s.FindUser(ctx, owner); err != nil {
			return fmt.Errorf("--owner %s: %w", owner, err)
		}
	}
	add := func(baobei.ImportResult) error { return nil }
	var w *importer.ReportWriter
	if report != "" {
		if w, err = importer.CreateReport(report); err != nil {
			return err
		}
		add = w.Add
	}
	sum, err := importer.Run(ctx, s, src, now, cfg.Policy, o, add)
	if w != nil {
		err = errors.Join(err, w.Close())
	}
	if err != nil {
		return err
	}
	if dry {
		fmt.Fprint(out, "（试运行，未写入）")
	}
	fmt.Fprintln(out, sum)
	if report != "" {
		fmt.Fprintln(out, "逐行结果：", report)
	}
	return nil
}
