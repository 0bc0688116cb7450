package dingtalk

import (
	"sync"
	"time"
)

// Session webhooks are kept in memory: they live for about 90 minutes and
// are only a shortcut; without one (another replica, a restart) replies go
// through the OpenAPI.
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
