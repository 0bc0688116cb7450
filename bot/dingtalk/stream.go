package dingtalk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"baobei/bot"

	"github.com/gorilla/websocket"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/card"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/chatbot"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/client"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/payload"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/utils"
)

// Stream timing: a ping every pingEvery; a connection that has been silent
// for readIdle (not even a pong) is dead.
const (
	pingEvery      = 30 * time.Second
	readIdle       = 90 * time.Second
	handlerTimeout = 10 * time.Second
)

// Start holds the stream connection until ctx ends, reconnecting with
// backoff when it drops or DingTalk asks for it; DingTalk delivers again
// what was not acknowledged, and the inbox dedupes it. In HTTP mode it
// returns nil at once.
//
// The SDK's client registers the subscriptions, asks for the connection
// (WithOpenApiHost is api_base) and routes frames to the chatbot and card
// handlers; the connection itself is held here, not by the SDK's own loop,
// which cannot be stopped and whose reconnect path can crash the process
// (a send on a closed channel after a ping timeout) and races on its
// connection field.
func (a *Adapter) Start(ctx context.Context) error {
	if a.cfg.Mode == ModeHTTP {
		return nil
	}
	if a.cfg.ClientID == "" || a.cfg.ClientSecret == "" {
		return errors.New("dingtalk: stream mode needs client_id and the client secret")
	}
	cli := client.NewStreamClient(
		client.WithAppCredential(client.NewAppCredentialConfig(a.cfg.ClientID, a.cfg.ClientSecret)),
		client.WithOpenApiHost(a.cfg.APIBase),
		client.WithAutoReconnect(false))
	cli.RegisterChatBotCallbackRouter(a.onChat)
	cli.RegisterCardCallbackRouter(a.onCard)
	(&stream{cli: cli, log: a.log, up: &a.streamUp}).run(ctx)
	return nil
}

// StreamReady is nil while the stream is connected (for /readyz).
func (a *Adapter) StreamReady() error {
	if !a.streamUp.Load() {
		return errors.New("dingtalk: stream not connected")
	}
	return nil
}

// onChat records a robot message; an error makes the ACK a failure, so
// DingTalk delivers the message again.
func (a *Adapter) onChat(ctx context.Context, d *chatbot.BotCallbackDataModel) ([]byte, error) {
	if _, err := a.inbox.Accept(ctx, a.incoming(d)); err != nil {
		a.log.Error("dingtalk: record message", "err", err)
		return nil, err
	}
	return nil, nil
}

// Card callback answers: at once, and for a tap without an action.
var (
	tapping = &card.CardResponse{CardUpdateOptions: &card.CardUpdateOptions{UpdateCardDataByKey: true},
		CardData: &card.CardDataDto{CardParamMap: map[string]string{"status": "处理中…"}}}
	noAnswer = &card.CardResponse{}
)

// onCard records a tap on a card button. The tap's identity is who tapped
// which button of which card, which a redelivery repeats (and a second tap
// on the same button is no second decision).
func (a *Adapter) onCard(ctx context.Context, r *card.CardRequest) (*card.CardResponse, error) {
	token := r.GetActionString("action")
	if token == "" || r.UserId == "" {
		a.log.Warn("dingtalk: card callback without an action parameter; check the card template", "out_track_id", r.OutTrackId)
		return noAnswer, nil
	}
	m := bot.Message{Platform: "dingtalk", ID: "tap:" + digest(r.UserId, r.OutTrackId, token),
		UserID: r.UserId, Action: token, CardRef: r.OutTrackId}
	if _, err := a.inbox.Accept(ctx, m); err != nil {
		a.log.Error("dingtalk: record card tap", "err", err)
		return nil, err
	}
	return tapping, nil
}

// stream is the connection loop around the SDK client's routing.
type stream struct {
	cli *client.StreamClient
	log *slog.Logger
	up  *atomic.Bool
}

var errReconnect = errors.New("the gateway asked to reconnect")

func (s *stream) run(ctx context.Context) {
	fails := 0
	for n := 0; ; n++ {
		began := time.Now()
		err := s.serve(ctx, n)
		if ctx.Err() != nil {
			return
		}
		if time.Since(began) > time.Minute || errors.Is(err, errReconnect) {
			fails = 0
		}
		wait := reconnectDelay(fails)
		fails++
		s.log.Warn("dingtalk: stream disconnected; reconnecting", "err", err, "wait", wait.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// reconnectDelay is 0 after a connection that worked for a while or that
// DingTalk asked to renew, then 1s, 2s, … 1m.
func reconnectDelay(fails int) time.Duration {
	if fails == 0 {
		return 0
	}
	return min(time.Second<<min(fails-1, 6), time.Minute)
}

// serve opens one connection and handles its frames until it ends.
func (s *stream) serve(ctx context.Context, n int) error {
	ep, err := s.cli.GetConnectionEndpoint(ctx)
	if err != nil {
		return fmt.Errorf("open a connection: %w", err)
	}
	dialer := websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 10 * time.Second}
	conn, _, err := dialer.DialContext(ctx, ep.Endpoint+"?ticket="+url.QueryEscape(ep.Ticket), nil)
	if err != nil {
		return fmt.Errorf("dial the gateway: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	done := make(chan struct{})
	defer close(done)
	go keepAlive(conn, done)
	s.log.Info("dingtalk: stream connected", "reconnect", n > 0, "attempt", n+1)
	s.up.Store(true)
	defer s.up.Store(false)
	return s.read(ctx, conn)
}

func keepAlive(conn *websocket.Conn, done <-chan struct{}) {
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(10*time.Second)) != nil {
				return
			}
		}
	}
}

// read handles frames one at a time: each is recorded (milliseconds) and
// acknowledged before the next, and this is the connection's only writer
// of data frames.
func (s *stream) read(ctx context.Context, conn *websocket.Conn) error {
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(readIdle)) })
	for {
		conn.SetReadDeadline(time.Now().Add(readIdle))
		typ, raw, err := conn.ReadMessage()
		if err != nil {
			return err
		}
		if typ != websocket.TextMessage {
			continue
		}
		ack, err := s.handle(ctx, raw)
		if err != nil {
			return err
		}
		if ack != nil {
			if err := conn.WriteJSON(ack); err != nil {
				return err
			}
		}
	}
}

// handle routes one downstream frame and returns its ACK (nil for none).
func (s *stream) handle(ctx context.Context, raw []byte) (*payload.DataFrameResponse, error) {
	df, err := payload.DecodeDataFrame(raw)
	if err != nil || df.Headers == nil {
		s.log.Warn("dingtalk: malformed stream frame", "err", err)
		return nil, nil
	}
	if df.Type == utils.SubscriptionTypeKSystem && df.GetTopic() == "disconnect" {
		return nil, errReconnect
	}
	var ack *payload.DataFrameResponse
	if h, err := s.cli.GetHandler(df.Type, df.GetTopic()); err != nil {
		ack = payload.NewDataFrameResponse(payload.DataFrameResponseStatusCodeKHandlerNotFound)
	} else {
		hctx, cancel := context.WithTimeout(ctx, handlerTimeout)
		ack, err = h(hctx, df)
		cancel()
		if err != nil {
			ack = payload.NewDataFrameResponse(payload.DataFrameResponseStatusCodeKInternalError)
			ack.Message = "not recorded; deliver again"
		}
	}
	if ack == nil {
		ack = payload.NewSuccessDataFrameResponse()
	}
	if ack.Headers == nil {
		ack.Headers = payload.DataFrameHeader{}
	}
	ack.SetHeader(payload.DataFrameHeaderKMessageId, df.GetMessageId())
	if ack.GetHeader(payload.DataFrameHeaderKContentType) == "" {
		ack.SetHeader(payload.DataFrameHeaderKContentType, payload.DataFrameContentTypeKJson)
	}
	return ack, nil
}
