// Command fakedingtalk checks a running baobei against a fake DingTalk,
// from outside the Go tests (loopback only):
//
//	fakedingtalk serve --addr 127.0.0.1:9502      # the fake; point dingtalk.api_base at it
//	fakedingtalk send --fake http://127.0.0.1:9502 --from zhangsan --text "报备 13800138000 张先生"
//	fakedingtalk callback --url http://127.0.0.1:8080/dingtalk/callback --secret S --from zhangsan --text "帮助"
//
// serve accepts the stream connection of a baobei started with
// dingtalk.client_id dingbaobeitest and BAOBEI_DINGTALK_CLIENT_SECRET=fake-secret
// (change them with --client-id and --client-secret) and prints every
// call baobei makes; send pushes a user's text message down that stream
// and prints the ACK; callback posts a signed outgoing-robot message (HTTP
// mode) whose replies go to the fake at --fake.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"baobei/bot/dingtalk/dingtalktest"
	"baobei/internal/fakecli"
)

func main() {
	fakecli.Main("fakedingtalk", map[string]func([]string) error{"serve": serve, "send": send, "callback": callback})
}

func serve(args []string) error {
	fl := flag.NewFlagSet("serve", flag.ExitOnError)
	addr := fl.String("addr", "127.0.0.1:9502", "listen address (loopback)")
	id := fl.String("client-id", "dingbaobeitest", "the app's AppKey that the fake accepts")
	secret := fl.String("client-secret", "fake-secret", "the app's AppSecret that the fake accepts")
	robot := fl.String("robot-secret", "", "a custom robot's signing secret to check")
	fl.Parse(args)
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	f := dingtalktest.StartOn(l)
	defer f.Close()
	f.ClientID, f.ClientSecret, f.RobotSecret = *id, *secret, *robot
	fmt.Println("fake DingTalk on", f.URL)
	seen, conns := 0, 0
	fakecli.Watch(func() {
		if n := f.Connections(); n != conns {
			conns = n
			fmt.Println("stream connections opened:", n)
		}
		calls := f.Calls("")
		for _, c := range calls[seen:] {
			b, _ := json.Marshal(c.Body)
			fmt.Println(c.Method, c.Path, string(b))
		}
		seen = len(calls)
	})
	return nil
}

func send(args []string) error {
	fl := flag.NewFlagSet("send", flag.ExitOnError)
	fake := fl.String("fake", "http://127.0.0.1:9502", "the fake DingTalk (fakedingtalk serve)")
	from := fl.String("from", "zhangsan", "sender staffId")
	nick := fl.String("nick", "", "sender name")
	text := fl.String("text", "帮助", "message text")
	chat := fl.String("chat", "", "group openConversationId; empty for one-to-one")
	fl.Parse(args)
	body, _ := json.Marshal(map[string]string{"from": *from, "nick": *nick, "text": *text, "chat": *chat})
	return post(*fake+"/_fake/push", body, nil)
}

func callback(args []string) error {
	fl := flag.NewFlagSet("callback", flag.ExitOnError)
	url := fl.String("url", "http://127.0.0.1:8080/dingtalk/callback", "baobei's callback URL")
	secret := fl.String("secret", "fake-secret", "the app's AppSecret")
	fake := fl.String("fake", "http://127.0.0.1:9502", "the fake DingTalk that receives the replies")
	from := fl.String("from", "zhangsan", "sender staffId")
	nick := fl.String("nick", "", "sender name")
	text := fl.String("text", "帮助", "message text")
	fl.Parse(args)
	body, _ := json.Marshal(dingtalktest.NewText(*fake, *from, *nick, *text))
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	return post(*url, body, map[string]string{"timestamp": ts, "sign": dingtalktest.Signature(*secret, ts)})
}

func post(url string, body []byte, headers map[string]string) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(answer))
	return nil
}
