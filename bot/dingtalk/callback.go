package dingtalk

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"baobei/bot"

	"github.com/gin-gonic/gin"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/chatbot"
)

// callbackWindow is how far a callback's timestamp may be from now.
const callbackWindow = time.Hour

// Sign is DingTalk's signature of a timestamp (milliseconds) for the
// outgoing robot's callbacks and custom robots' webhooks:
// base64(HMAC-SHA256(key secret, "timestamp\nsecret")).
func Sign(secret string, timestampMs int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestampMs, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SignedURL adds &timestamp=…&sign=… to a custom robot's webhook.
func SignedURL(webhook, secret string, now time.Time) string {
	ts := now.UnixMilli()
	sep := "&"
	if !strings.Contains(webhook, "?") {
		sep = "?"
	}
	return webhook + sep + "timestamp=" + strconv.FormatInt(ts, 10) + "&sign=" + url.QueryEscape(Sign(secret, ts))
}

// callback takes a message from the outgoing robot (HTTP mode): the
// timestamp and sign headers must be DingTalk's signature with our app
// secret, made within the hour, and not seen before with another body;
// anything else is refused with 403. The signature covers only the
// timestamp (DingTalk's scheme), so what it proves is that DingTalk sent a
// callback at that time, not which body: a pair is bound to the first body
// it came with.
func (a *Adapter) callback(c *gin.Context) {
	ts, sign := c.GetHeader("timestamp"), c.GetHeader("sign")
	if why := a.checkSign(ts, sign); why != "" {
		a.refuse(c, why)
		return
	}
	var d chatbot.BotCallbackDataModel
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, 1<<20))
	if err != nil || json.Unmarshal(body, &d) != nil {
		c.String(http.StatusBadRequest, "malformed message")
		return
	}
	fresh, err := a.firstBody(c.Request.Context(), ts, sign, body)
	switch {
	case err != nil:
		a.log.Error("dingtalk: callback signature not recorded", "err", err)
		c.Status(http.StatusServiceUnavailable)
		return
	case !fresh:
		a.refuse(c, "signature reused with another body")
		return
	}
	if _, err := a.inbox.Accept(c.Request.Context(), a.incoming(&d)); err != nil {
		status := bot.AcceptStatus(err)
		a.log.Error("dingtalk: message not recorded", "status", status, "err", err)
		c.Status(status)
		return
	}
	c.Status(http.StatusOK)
}

func (a *Adapter) refuse(c *gin.Context, why string) {
	a.log.Warn("dingtalk: callback refused", "reason", why, "remote", c.ClientIP())
	c.String(http.StatusForbidden, "forbidden")
}

// firstBody reports whether the header pair (timestamp, sign) is new or
// came with this body before (a redelivery), recording it. Without a
// SignatureLog nothing can be checked, and nothing is taken.
func (a *Adapter) firstBody(ctx context.Context, ts, sign string, body []byte) (bool, error) {
	if a.Signatures == nil {
		return false, errors.New("dingtalk: HTTP mode without a signature log")
	}
	bodySum := sha256.Sum256(body)
	return a.Signatures.UseSignature(ctx, digest("dingtalk-http", ts, sign), hex.EncodeToString(bodySum[:]), a.now())
}

// checkSign returns why a callback's signature is refused, or "".
func (a *Adapter) checkSign(timestamp, sign string) string {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	switch {
	case a.cfg.ClientSecret == "":
		return "no client secret configured"
	case err != nil:
		return "no timestamp"
	case a.now().Sub(time.UnixMilli(ts)).Abs() > callbackWindow:
		return "stale timestamp"
	case !hmac.Equal([]byte(sign), []byte(Sign(a.cfg.ClientSecret, ts))):
		return "bad signature"
	}
	return ""
}
