package dingtalktest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Subscription is one topic a stream client asked for.
type Subscription struct {
	Type  string `json:"type"`
	Topic string `json:"topic"`
}

// Ack is a client's answer to a downstream frame.
type Ack struct {
	Code    int               `json:"code"`
	Headers map[string]string `json:"headers"`
	Message string            `json:"message"`
	Data    string            `json:"data"`
}

type streamState struct {
	seq     int
	tickets map[string]bool
	subs    []Subscription // of the last connection request
	opened  int            // websocket connections accepted so far
	conns   []*wsConn      // the live ones
	acks    map[string]Ack // by frame messageId
}

type wsConn struct {
	ws  *websocket.Conn
	wmu sync.Mutex // one writer at a time
}

var upgrader = websocket.Upgrader{}

// open is /v1.0/gateway/connections/open: credentials in, a one-time
// ticket and the websocket endpoint out.
func (f *Fake) open(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ClientID      string         `json:"clientId"`
		ClientSecret  string         `json:"clientSecret"`
		Subscriptions []Subscription `json:"subscriptions"`
	}
	json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	defer f.mu.Unlock()
	if req.ClientID != f.ClientID || req.ClientSecret != f.ClientSecret {
		reply(w, http.StatusUnauthorized, map[string]any{"code": "InvalidAuthentication", "message": "clientId or clientSecret invalid"})
		return
	}
	st := &f.stream
	st.seq++
	ticket := "ticket-" + strconv.Itoa(st.seq)
	if st.tickets == nil {
		st.tickets = map[string]bool{}
	}
	st.tickets[ticket], st.subs = true, req.Subscriptions
	reply(w, http.StatusOK, map[string]any{"endpoint": "ws://" + f.srv.Listener.Addr().String() + "/gateway", "ticket": ticket})
}

// connect upgrades a connection that brings a valid ticket.
func (f *Fake) connect(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	f.mu.Lock()
	ok := f.stream.tickets[ticket]
	delete(f.stream.tickets, ticket)
	f.mu.Unlock()
	if !ok {
		http.Error(w, "unknown ticket", http.StatusForbidden)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &wsConn{ws: ws}
	f.mu.Lock()
	f.stream.opened++
	f.stream.conns = append(f.stream.conns, c)
	f.mu.Unlock()
	go f.readAcks(c)
}

// readAcks records the client's answers until the connection ends.
func (f *Fake) readAcks(c *wsConn) {
	defer f.forget(c)
	for {
		_, raw, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var ack Ack
		if json.Unmarshal(raw, &ack) != nil {
			continue
		}
		f.mu.Lock()
		if f.stream.acks == nil {
			f.stream.acks = map[string]Ack{}
		}
		f.stream.acks[ack.Headers["messageId"]] = ack
		f.mu.Unlock()
	}
}

func (f *Fake) forget(c *wsConn) {
	c.ws.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, x := range f.stream.conns {
		if x == c {
			f.stream.conns = append(f.stream.conns[:i], f.stream.conns[i+1:]...)
			return
		}
	}
}

// Connections is how many stream connections were opened so far.
func (f *Fake) Connections() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stream.opened
}

// Subscriptions are the topics of the last connection request.
func (f *Fake) Subscriptions() []Subscription {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Subscription(nil), f.stream.subs...)
}

// WaitConnections waits until n connections were opened and one is live.
func (f *Fake) WaitConnections(n int, timeout time.Duration) error {
	return poll(timeout, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.stream.opened >= n && len(f.stream.conns) > 0
	}, fmt.Sprintf("%d stream connections", n))
}

// Drop closes every stream connection abruptly, as a network failure would.
func (f *Fake) Drop() {
	f.mu.Lock()
	conns := append([]*wsConn(nil), f.stream.conns...)
	f.mu.Unlock()
	for _, c := range conns {
		c.ws.Close()
	}
}

// Push sends a frame on the newest live connection with a new messageId,
// which it returns; pushing the same frame again is DingTalk delivering
// the same message again.
func (f *Fake) Push(fr Frame) (string, error) {
	f.mu.Lock()
	st := &f.stream
	if len(st.conns) == 0 {
		f.mu.Unlock()
		return "", errors.New("no stream connection")
	}
	c := st.conns[len(st.conns)-1]
	st.seq++
	id := "frame-" + strconv.Itoa(st.seq)
	f.mu.Unlock()
	headers := map[string]string{"messageId": id, "time": strconv.FormatInt(time.Now().UnixMilli(), 10)}
	for k, v := range fr.Headers {
		if k != "messageId" {
			headers[k] = v
		}
	}
	fr.Headers = headers
	raw, err := json.Marshal(fr)
	if err != nil {
		return "", err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return id, c.ws.WriteMessage(websocket.TextMessage, raw)
}

// WaitAck waits for the client's answer to a pushed frame.
func (f *Fake) WaitAck(id string, timeout time.Duration) (Ack, error) {
	var ack Ack
	err := poll(timeout, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		a, ok := f.stream.acks[id]
		ack = a
		return ok
	}, "the ACK of "+id)
	return ack, err
}

// PushAndWait pushes a frame and waits for its ACK.
func (f *Fake) PushAndWait(fr Frame, timeout time.Duration) (Ack, error) {
	id, err := f.Push(fr)
	if err != nil {
		return Ack{}, err
	}
	return f.WaitAck(id, timeout)
}

// poll checks cond until it holds or timeout passes.
func poll(timeout time.Duration, cond func() bool, what string) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return errors.New("dingtalktest: timed out waiting for " + what)
		}
		<-tick.C
	}
	return nil
}
