package dingtalk

import (
	"net/url"
	"strings"
	"sync"
	"time"
)

// Session webhooks are kept in memory: they live for 90 minutes and are
// only a shortcut; without one (another replica, a restart) replies go
// through the OpenAPI.
//
// A message names its own session webhook, so one that is not DingTalk's
// could send every later push to that user elsewhere: only https URLs on
// DingTalk's host are used, for at most sessionLifetime from when the
// message came. DingTalk's documentation of the robot's received message
// (企业内部机器人 接收消息; copied at https://kk.hackerjk.top/study/72.html)
// shows sessionWebhook https://oapi.dingtalk.com/robot/sendBySession?session=…
// with createAt 1613630252678 and sessionWebhookExpiredTime 1613635652738,
// 90 minutes later; guides give "about 1.5 hours".
const (
	DefaultSessionBase = "https://oapi.dingtalk.com"
	sessionLifetime    = 90 * time.Minute
)

// onDingTalk reports whether hook has the scheme and host of a.SessionBase
// (and no user info); another one is logged and not used.
func (a *Adapter) onDingTalk(hook string) bool {
	if hook == "" {
		return false
	}
	u, err := url.Parse(hook)
	base, berr := url.Parse(a.SessionBase)
	if err == nil && berr == nil && u.User == nil && u.Scheme == base.Scheme && strings.EqualFold(u.Host, base.Host) {
		return true
	}
	host := "(unparsable)"
	if err == nil {
		host = u.Scheme + "://" + u.Host
	}
	a.log.Warn("dingtalk: session webhook not on DingTalk; not used", "webhook", host)
	return false
}

// sessionExpiry is the expiry a message claims for its session webhook,
// capped at sessionLifetime from now.
func sessionExpiry(claimedMs int64, now time.Time) time.Time {
	exp, limit := time.UnixMilli(claimedMs), now.Add(sessionLifetime)
	if exp.After(limit) {
		return limit
	}
	return exp
}

type sessions struct {
	mu sync.Mutex
	m  map[string]session
}

type session struct {
	url string
	exp time.Time
}

// sessionMargin keeps a webhook from being used just before it expires.
const sessionMargin = 30 * time.Second

func userKey(uid string) string {
	if uid == "" {
		return ""
	}
	return "u:" + uid
}

func chatKey(chat string) string { return "c:" + chat }

func (s *sessions) put(key, url string, exp, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]session{}
	}
	if len(s.m) > 10000 {
		for k, e := range s.m {
			if !now.Before(e.exp) {
				delete(s.m, k)
			}
		}
	}
	s.m[key] = session{url: url, exp: exp}
}

// get returns the webhook of a conversation, or "" when there is none valid.
func (s *sessions) get(key string, now time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[key]
	if !ok || !now.Add(sessionMargin).Before(e.exp) {
		delete(s.m, key)
		return ""
	}
	return e.url
}

func (s *sessions) forget(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
}
