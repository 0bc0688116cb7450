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

const exportUsage = "用法：baobei export [--team NAME] [--format xlsx|csv] [--out FILE]"

// exportCmd is `baobei export`: every customer (or one team's) to a file
// that baobei import reads again.
func exportCmd(ctx context.Context, args []string, stdout io.Writer) error {
	var team, format, out string
	cfg, err := loadConfig("export", args, func(fl *flag.FlagSet) {
		fl.StringVar(&team, "team", "", "team name or code (default: every customer)")
		fl.StringVar(&format, "format", "xlsx", "xlsx or csv")
		fl.StringVar(&out, "out", "", "output file (default: customers-YYYYMMDD.FORMAT)")
	})
	if err != nil {
		return err
	}
	if format != "xlsx" && format != "csv" || len(cfg.args) > 0 {
		return errors.New(exportUsage)
	}
	s, err := store.Open(ctx, cfg.DB, cfg.Policy)
	if err != nil {
		return err
	}
	defer s.Close()
	var teamID *int64
	if team != "" {
		if teamID, err = teamByName(ctx, s, team); err != nil {
			return err
		}
	}
	if out == "" {
		out = "customers-" + time.Now().Format("20060102") + "." + format
	}
	n, err := importer.Export(ctx, s, cfg.Policy, baobei.Scope{TeamID: teamID}, nil, time.Now(), out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "已导出 %d 位客户到 %s。该文件可用 baobei import 再导入（已有客户记为重复）。\n", n, out)
	return nil
}

func teamByName(ctx context.Context, s *store.Store, name string) (*int64, error) {
	ts, err := s.Teams(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, t := range ts {
		if t.Name == name || t.Code == name {
			return &t.ID, nil
		}
		names = append(names, t.Name)
	}
	return nil, fmt.Errorf("没有团队“%s”（有：%v）", name, names)
}
