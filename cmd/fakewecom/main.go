// Command fakewecom checks a running baobei against a fake WeCom, from
// outside the Go tests (loopback only):
//
//	fakewecom serve --addr 127.0.0.1:9501 [--latency 20ms]   # the fake API; point wecom.api_base at it
//	fakewecom send --url http://127.0.0.1:8080/wecom/callback --from zhangsan --text "报备 13800138000 张先生"
//
// serve prints every message baobei sends, answers every API call after
// --latency (a network round trip), and lists what it received, with the
// arrival times, at GET /fake/log?from=N (see wecomtest.LogPage); send seals
// a text callback with --token, --aes-key and --corp (defaults match the
// README's example).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"baobei/bot/wecom/wecomtest"
	"baobei/internal/fakecli"
)

func main() {
	fakecli.Main("fakewecom", map[string]func([]string) error{"serve": serve, "send": send})
}

func serve(args []string) error {
	fl := flag.NewFlagSet("serve", flag.ExitOnError)
	addr := fl.String("addr", "127.0.0.1:9501", "listen address (loopback)")
	latency := fl.Duration("latency", 0, "delay of every API answer, e.g. 20ms")
	fl.Parse(args)
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	f := wecomtest.StartOn(l)
	defer f.Close()
	f.SetLatency(*latency)
	fmt.Println("fake WeCom API on", f.URL)
	if *latency > 0 {
		fmt.Println("every answer after", *latency)
	}
	seen := 0
	fakecli.Watch(func() {
		sent := f.Messages()
		for _, m := range sent[seen:] {
			b, _ := json.Marshal(m)
			fmt.Println("message/send", string(b))
		}
		seen = len(sent)
	})
	return nil
}

func send(args []string) error {
	fl := flag.NewFlagSet("send", flag.ExitOnError)
	url := fl.String("url", "http://127.0.0.1:8080/wecom/callback", "baobei's callback URL")
	token := fl.String("token", "callbacktoken", "callback Token")
	key := fl.String("aes-key", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "EncodingAESKey")
	corp := fl.String("corp", "wwbaobeitest", "CorpID")
	from := fl.String("from", "zhangsan", "sender userid")
	text := fl.String("text", "帮助", "message text")
	fl.Parse(args)
	now := time.Now().Unix()
	q, body := wecomtest.Seal(*token, *key, *corp, wecomtest.Text(*corp, *from, *text, strconv.FormatInt(time.Now().UnixNano(), 10), now), now)
	resp, err := http.Post(*url+"?"+q.Encode(), "text/xml", strings.NewReader(body))
	if err != nil {
		return err
	}
	resp.Body.Close()
	fmt.Println("callback answered", resp.Status)
	return nil
}
