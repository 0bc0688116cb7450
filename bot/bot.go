// Package bot is the one path every chat message takes: an adapter turns a
// platform event into a Message, the Router parses it into a Command and
// calls one handler, and the adapter renders the replies.
package bot

import (
	"context"
	"encoding/json"
	"time"

	"baobei"
	"baobei/cards"

	"github.com/gin-gonic/gin"
)

// Message is a platform event normalised: a text, or a tapped card action.
type Message struct {
	Platform string // console, wecom, dingtalk
	ID       string // platform message id; "" when the platform has none
	UserID   string // the sender's platform user id (users.uid)
	UserName string // display name, for auto-registration
	ChatID   string // group chat id; "" for a one-to-one chat
	Text     string
	Action   string // a card button token instead of Text
	CardRef  string // with Action: the platform's handle of the tapped card, to update it
	Canned   string // not a command: answer with this text (a welcome, "not supported")
	// Location is a location message (Text is then 签到): where the sender is.
	Location *baobei.Location `json:"location,omitempty"`
}

// Out is one message to deliver to a user or a group chat. With Update set
// it is not a new message: the platform card with that handle (the one a
// user tapped) is updated to show Text as its outcome.
type Out struct {
	ToUser   string      `json:"to_user"`
	ToChat   string      `json:"to_chat"`
	Text     string      `json:"text"`
	Card     *cards.Card `json:"card"`
	Update   string      `json:"update,omitempty"`
	Markdown bool        `json:"markdown,omitempty"` // Text is markdown
	Image    []byte      `json:"image,omitempty"`    // a PNG, where the channel shows images
}

// Notice turns an Out into an outbox row.
func (o Out) Notice() (baobei.Notice, error) {
	n := baobei.Notice{ToUser: o.ToUser, ToChat: o.ToChat, Text: o.Text, Update: o.Update, Markdown: o.Markdown, Image: o.Image}
	if o.Card != nil {
		b, err := json.Marshal(o.Card)
		if err != nil {
			return n, err
		}
		n.Card = b
	}
	return n, nil
}

// OutOf turns an outbox row back into an Out.
func OutOf(n baobei.Notice) (Out, error) {
	o := Out{ToUser: n.ToUser, ToChat: n.ToChat, Text: n.Text, Update: n.Update, Markdown: n.Markdown, Image: n.Image}
	if len(n.Card) > 0 {
		o.Card = &cards.Card{}
		if err := json.Unmarshal(n.Card, o.Card); err != nil {
			return o, err
		}
	}
	return o, nil
}

// Reply is what a handler answers to the sender. Outcome, when set, is what
// a tapped platform card should now show instead of its buttons (已同意).
// Masked, when set, is what a group chat may see of the reply: Text or Card
// show more than everyone there may see (full phones, follow-ups, amounts).
type Reply struct {
	Text    string
	Card    *cards.Card
	Outcome string
	Masked  string
}

// Text builds a text reply.
func Text(s string) *Reply { return &Reply{Text: s} }

// PrivateNote ends a group's masked reply.
const PrivateNote = "（完整信息已私信发你。）"

// outs addresses a reply to the chat the message came from. From a group
// chat, a reply with a Masked view shows that in the group and goes in
// full to the sender privately.
func (rep *Reply) outs(m Message) []Out {
	if m.ChatID == "" || rep.Masked == "" {
		return []Out{{ToUser: m.UserID, ToChat: m.ChatID, Text: rep.Text, Card: rep.Card}}
	}
	return []Out{
		{ToUser: m.UserID, ToChat: m.ChatID, Text: rep.Masked + "\n" + PrivateNote},
		{ToUser: m.UserID, Text: rep.Text, Card: rep.Card},
	}
}

// Request is one parsed command from a known user. Svc is bound to the
// message's unit of work: whatever the handler does through it commits with
// the reply, or not at all.
type Request struct {
	Msg   Message
	Actor *baobei.User
	Cmd   *Command
	Now   time.Time
	Svc   baobei.Service
}

// HandlerFunc does the work of one command and returns the reply.
// Handlers return values and never send.
type HandlerFunc func(ctx context.Context, req *Request) (*Reply, error)

// Result is what became of one message: its replies, already queued in the
// outbox. Replayed means the message was handled before: nothing changed
// and Replies are those of the first run. Err means nothing committed.
type Result struct {
	Replies  []Out
	Replayed bool
	Outcome  string // see Reply.Outcome
	Command  string // the command's name (CmdReport …), as logged
	Code     string // the refusal's error code (baobei.EINVALID …), "internal", or "" when it succeeded
	Err      error
}

// Dispatcher handles one message now and returns what became of it.
type Dispatcher interface {
	Dispatch(ctx context.Context, m Message) (*Result, error)
}

// Adapter connects one platform.
type Adapter interface {
	Name() string
	Mount(r gin.IRouter, d Dispatcher)
	Send(ctx context.Context, o Out) error
}
