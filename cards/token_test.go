package cards

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"baobei"
)

func TestTokens(t *testing.T) {
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	s, err := NewSigner(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSigner(bytes.Repeat([]byte("x"), 32))
	if _, err := NewSigner([]byte("short")); err == nil {
		t.Fatal("short secret accepted")
	}
	open := s.Button("领取", "领取 #3", "", now, time.Hour).Action
	bound := s.Button("同意", "审批 1 同意", "wangjl", now, time.Hour).Action

	if a, err := s.Verify(open, "lisi", now); err != nil || a.Command != "领取 #3" {
		t.Fatalf("valid token: %+v %v", a, err)
	}
	if _, err := s.Verify(bound, "wangjl", now); err != nil {
		t.Fatalf("bound token for its user: %v", err)
	}
	payload, sig, _ := strings.Cut(open, ".")
	forged := Action{Command: "转移 #3 @李四", Expires: now.Add(time.Hour).Unix()}
	fb, _ := json.Marshal(forged)
	bad := []struct {
		name, token, user string
		at                time.Time
	}{
		{"other user", bound, "lisi", now},
		{"expired", open, "lisi", now.Add(2 * time.Hour)},
		{"tampered signature", open + "A", "lisi", now},
		{"swapped payload", strings.Replace(open, payload, encode(fb), 1), "lisi", now},
		{"other secret", other.Button("领取", "领取 #3", "", now, time.Hour).Action, "lisi", now},
		{"no signature", payload, "lisi", now},
		{"garbage", "!!!." + sig, "lisi", now},
		{"empty", "", "lisi", now},
	}
	for _, b := range bad {
		if _, err := s.Verify(b.token, b.user, b.at); baobei.ErrorCode(err) != baobei.EFORBIDDEN {
			t.Errorf("%s: %v, want EFORBIDDEN", b.name, err)
		}
	}
}

func encode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
