package dingtalktest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Frame is a downstream stream frame; Data is a JSON document in a string.
type Frame struct {
	SpecVersion string            `json:"specVersion"`
	Type        string            `json:"type"`
	Time        int64             `json:"time"`
	Headers     map[string]string `json:"headers"`
	Data        string            `json:"data"`
}

// The topics of robot messages and card callbacks.
const (
	BotTopic  = "/v1.0/im/bot/messages/get"
	CardTopic = "/v1.0/card/instances/callback"
)

// Message is the data of a robot message callback.
type Message struct {
	ConversationID            string      `json:"conversationId"`
	ConversationType          string      `json:"conversationType"` // "1" one-to-one, "2" group
	ConversationTitle         string      `json:"conversationTitle,omitempty"`
	MsgID                     string      `json:"msgId"`
	MsgType                   string      `json:"msgtype"`
	Text                      TextContent `json:"text"`
	SenderNick                string      `json:"senderNick"`
	SenderStaffID             string      `json:"senderStaffId"`
	SenderID                  string      `json:"senderId"`
	SenderCorpID              string      `json:"senderCorpId"`
	ChatbotCorpID             string      `json:"chatbotCorpId"`
	ChatbotUserID             string      `json:"chatbotUserId"`
	RobotCode                 string      `json:"robotCode"`
	IsAdmin                   bool        `json:"isAdmin"`
	IsInAtList                bool        `json:"isInAtList"`
	SessionWebhook            string      `json:"sessionWebhook"`
	SessionWebhookExpiredTime int64       `json:"sessionWebhookExpiredTime"`
	CreateAt                  int64       `json:"createAt"`
}

// TextContent is a text message's content.
type TextContent struct {
	Content string `json:"content"`
}

var msgSeq atomic.Int64

// Text is a one-to-one text message from a user, with a session webhook
// on the fake that is valid for 90 minutes.
func (f *Fake) Text(from, nick, text string) Message { return NewText(f.URL, from, nick, text) }

// NewText is a one-to-one text message whose session webhook is on the
// fake DingTalk at base.
func NewText(base, from, nick, text string) Message {
	now := time.Now()
	n := strconv.FormatInt(msgSeq.Add(1), 10)
	return Message{ConversationID: "cidp2p" + from, ConversationType: "1", MsgID: "msg" + strconv.FormatInt(now.UnixNano(), 36) + n,
		MsgType: "text", Text: TextContent{Content: text}, SenderNick: nick, SenderStaffID: from, SenderID: "$:LWCP_v1:$" + from,
		SenderCorpID: "dingcorp", ChatbotCorpID: "dingcorp", ChatbotUserID: "$:LWCP_v1:$robot", RobotCode: "dingbaobeitest",
		SessionWebhook:            base + "/robot/sendBySession?session=s" + n,
		SessionWebhookExpiredTime: now.Add(90 * time.Minute).UnixMilli(), CreateAt: now.UnixMilli()}
}

// GroupText is a message that @-mentions the robot in a group.
func (f *Fake) GroupText(conversationID, from, nick, text string) Message {
	m := f.Text(from, nick, "@报备助手\u2005"+text)
	m.ConversationID, m.ConversationType, m.ConversationTitle, m.IsInAtList = conversationID, "2", "销售群", true
	return m
}

// BotFrame is the CALLBACK frame that delivers a robot message.
func BotFrame(m Message) Frame { return callback(BotTopic, m) }

// Tap is a tap on a card button whose callback carries the action parameter.
type Tap struct {
	OutTrackID string
	UserID     string
	Action     string
}

// CardFrame is the CALLBACK frame of a card button tap.
func CardFrame(t Tap) Frame {
	content, _ := json.Marshal(map[string]any{"cardPrivateData": map[string]any{
		"actionIds": []string{"btn"}, "params": map[string]any{"action": t.Action}}})
	return callback(CardTopic, map[string]any{"outTrackId": t.OutTrackID, "userId": t.UserID, "userIdType": 1,
		"corpId": "dingcorp", "type": "actionCallback", "spaceType": "IM", "spaceId": "space", "extension": "{}",
		"content": string(content)})
}

// SystemFrame is a SYSTEM frame: topic "ping" or "disconnect".
func SystemFrame(topic, data string) Frame {
	return Frame{SpecVersion: "1.0", Type: "SYSTEM", Time: time.Now().UnixMilli(),
		Headers: map[string]string{"topic": topic, "contentType": "application/json"}, Data: data}
}

func callback(topic string, data any) Frame {
	b, _ := json.Marshal(data)
	return Frame{SpecVersion: "1.0", Type: "CALLBACK", Time: time.Now().UnixMilli(),
		Headers: map[string]string{"topic": topic, "contentType": "application/json", "appId": "app-1", "connectionId": "conn-1"},
		Data:    string(b)}
}

// pushText is POST /_fake/push {"from","nick","text","chat"}: a user's
// text message is pushed to the connected baobei and the ACK answered.
func (f *Fake) pushText(w http.ResponseWriter, r *http.Request) {
	var in struct{ From, Nick, Text, Chat string }
	if json.NewDecoder(r.Body).Decode(&in) != nil || in.From == "" {
		reply(w, http.StatusBadRequest, map[string]any{"error": "want {from, nick, text, chat}"})
		return
	}
	m := f.Text(in.From, in.Nick, in.Text)
	if in.Chat != "" {
		m = f.GroupText(in.Chat, in.From, in.Nick, in.Text)
	}
	ack, err := f.PushAndWait(BotFrame(m), 10*time.Second)
	if err != nil {
		reply(w, http.StatusServiceUnavailable, map[string]any{"error": err.Error()})
		return
	}
	reply(w, http.StatusOK, ack)
}
