// Package handlertest drives the chat commands the way a platform does —
// router, handlers and a real store (SQLite or MariaDB) seeded with the
// demo org — so that tests assert what a message did by its error code,
// not by its wording.
package handlertest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"baobei"
	"baobei/bot"
	"baobei/cards"
	"baobei/handlers"
	"baobei/store/storetest"
)

// PublicURL is the public_url the test bot is configured with.
const PublicURL = "https://crm.example.com"

// Clock is a settable clock.
type Clock = storetest.Clock

// Bot is one seeded store behind a router that serves every command.
type Bot struct {
	*storetest.Fixture
	Clock  *Clock
	Router *bot.Router
	t      testing.TB
	n      int
}

// New seeds b's store with the demo org (张三 zhangsan, 李四 lisi, 赵五 zhaowu
// and 王经理 wangjl in team 1; 孙七 sunqi and 陈经理 chenjl in team 2; admin)
// and starts its clock at storetest.T0.
func New(t testing.TB, b storetest.Backend, p baobei.Policy) *Bot {
	return NewPublic(t, b, p, PublicURL)
}

// NewPublic is New with the config's public_url set to publicURL ("": unset).
func NewPublic(t testing.TB, b storetest.Backend, p baobei.Policy, publicURL string) *Bot {
	f := storetest.Seed(t, b, p)
	signer, err := cards.NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	clock := &Clock{T: storetest.T0}
	r := bot.NewRouter(f.S, clock, p, signer, false, slog.New(slog.NewTextHandler(io.Discard, nil)))
	handlers.Register(r, p, signer, publicURL)
	return &Bot{Fixture: f, Clock: clock, Router: r, t: t}
}

// Send handles one message from user in chat ("" for a one-to-one chat);
// the test fails unless it committed with at least one reply.
func (b *Bot) Send(user, chat, text string) *bot.Result {
	b.t.Helper()
	return b.Dispatch(bot.Message{Platform: "console", UserID: user, ChatID: chat, Text: text})
}

// Dispatch handles m (given a fresh id) like Send.
func (b *Bot) Dispatch(m bot.Message) *bot.Result {
	b.t.Helper()
	b.n++
	m.ID = fmt.Sprintf("m%d", b.n)
	res, err := b.Router.Dispatch(context.Background(), m)
	if err != nil || len(res.Replies) == 0 {
		b.t.Fatalf("%s: %q: %v %+v", m.UserID, m.Text, err, res)
	}
	return res
}

// Say sends text in a one-to-one chat and returns the reply's text.
func (b *Bot) Say(user, text string) string {
	b.t.Helper()
	return b.Send(user, "", text).Replies[0].Text
}

// Code sends text in a one-to-one chat and returns the refusal's code, ""
// when the command succeeded.
func (b *Bot) Code(user, text string) string {
	b.t.Helper()
	return b.Send(user, "", text).Code
}

// Want sends text and fails the test unless its code is code ("" for success).
func (b *Bot) Want(user, text, code string) {
	b.t.Helper()
	if res := b.Send(user, "", text); res.Code != code {
		b.t.Errorf("%s: %q: code %q, want %q (reply %q)", user, text, res.Code, code, res.Replies[0].Text)
	}
}

// Outbox joins the texts queued for uid so far.
func (b *Bot) Outbox(uid string) string {
	b.t.Helper()
	return strings.Join(b.Texts(b.t, uid, ""), "\n")
}
