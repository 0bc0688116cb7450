package cards

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"baobei"
)

// Action is what a button does when tapped: run Command (a chat command) as
// the tapping user. User, when set, binds the button to one user.
type Action struct {
	Command string `json:"c"`
	User    string `json:"u,omitempty"`
	Expires int64  `json:"e"` // unix seconds
}

// Signer signs and verifies action tokens with a server secret (HMAC-SHA256),
// so a token cannot be forged or altered.
type Signer struct{ secret []byte }

// NewSigner returns a signer; the secret must be at least 32 bytes.
func NewSigner(secret []byte) (*Signer, error) {
	if len(secret) < 32 {
		return nil, errors.New("card secret must be at least 32 bytes")
	}
	return &Signer{secret: secret}, nil
}

// Sign encodes a as payload.signature, both base64url.
func (s *Signer) Sign(a Action) string {
	payload, _ := json.Marshal(a)
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(s.mac(p))
}

// Button builds a button that runs command for the tapping user until ttl passes.
func (s *Signer) Button(label, command, user string, now time.Time, ttl time.Duration) Button {
	return Button{Label: label, Action: s.Sign(Action{Command: command, User: user, Expires: now.Add(ttl).Unix()})}
}

// Verify checks the token's signature, expiry and user binding.
func (s *Signer) Verify(token, user string, now time.Time) (Action, error) {
	var a Action
	p, sig, ok := strings.Cut(token, ".")
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(got, s.mac(p)) {
		return a, baobei.Errorf(baobei.EFORBIDDEN, "这个按钮无效或已被篡改。请重新发送命令获取新的卡片。")
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil || json.Unmarshal(raw, &a) != nil {
		return a, baobei.Errorf(baobei.EFORBIDDEN, "这个按钮无效。请重新发送命令获取新的卡片。")
	}
	if now.Unix() > a.Expires {
		return a, baobei.Errorf(baobei.EFORBIDDEN, "这个按钮已过期。请重新发送命令获取新的卡片。")
	}
	if a.User != "" && a.User != user {
		return a, baobei.Errorf(baobei.EFORBIDDEN, "这个按钮不是给你的。请用你自己收到的卡片操作。")
	}
	return a, nil
}

func (s *Signer) mac(p string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(p))
	return m.Sum(nil)
}
