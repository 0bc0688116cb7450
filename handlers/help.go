package handlers

import (
	"context"
	"slices"
	"strings"

	"baobei"
	"baobei/bot"
)

// Help handles 帮助: the commands the asker's role may use, one example
// each, from bot.Commands; 帮助 <word> explains one command in full.
func (h *Handlers) Help(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if s := bot.SpecOf(req.Cmd.Topic); s != nil {
		return bot.Text(HelpTopic(s)), nil
	}
	return bot.Text(HelpText(req.Actor.Role)), nil
}

// HelpText lists the commands a role may use, with one example each.
func HelpText(r baobei.Role) string {
	lines := []string{"你可用的命令（" + r.Label() + "）："}
	for i := range bot.Commands {
		if s := &bot.Commands[i]; s.Allows(r) {
			lines = append(lines, HelpLine(s))
		}
	}
	lines = append(lines, "客户用手机号、编号（#3）或称呼指明。详细用法发「帮助 报备」。")
	return strings.Join(lines, "\n")
}

// HelpLine is a command's line in 帮助: its example, then what it does.
func HelpLine(s *bot.Spec) string { return s.Example + "（" + s.Summary + "）" }

// HelpTopic explains one command: what it does, an example, its other
// words and who may use it.
func HelpTopic(s *bot.Spec) string {
	lines := []string{"「" + s.Words[0] + "」" + s.Summary + "。", s.Detail, "例如：" + s.Example}
	if len(baobei.Fields) > 0 && slices.Contains(bot.FieldCommands, s.Name) {
		var ex []string
		for _, f := range baobei.Fields {
			ex = append(ex, f.Example())
		}
		lines = append(lines, "本公司的字段："+strings.Join(ex, " "))
	}
	if len(s.Words) > 1 {
		lines = append(lines, "也可以写："+strings.Join(s.Words[1:], "、"))
	}
	if len(s.Roles) > 0 {
		lines = append(lines, "仅"+s.WhoMay()+"可用。")
	}
	return strings.Join(lines, "\n")
}
