package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"baobei"
)

// HookSender posts a webhook delivery (the pusher's side of webhooks).
type HookSender interface {
	Deliver(ctx context.Context, webhook int64, body []byte) error
}

// ErrWebhookGone: the delivery's webhook was removed; it is kept as dead.
var ErrWebhookGone = errors.New("webhook removed")

// WebhookStore is where the subscriptions live.
type WebhookStore interface {
	Webhook(ctx context.Context, id int64) (*baobei.Webhook, error)
}

// Webhooks delivers webhook bodies: it looks the subscription up and posts
// the body signed with its secret.
type Webhooks struct {
	Store  WebhookStore
	Client *http.Client     // nil: 10 s timeout, no redirects followed
	Now    func() time.Time // the X-Baobei-Timestamp clock; nil: time.Now
}

// Deliver posts body to the webhook; a non-2xx answer is an error.
func (w *Webhooks) Deliver(ctx context.Context, id int64, body []byte) error {
	h, err := w.Store.Webhook(ctx, id)
	if baobei.ErrorCode(err) == baobei.ENOTFOUND || (err == nil && !h.Active) {
		return ErrWebhookGone
	}
	if err != nil {
		return err
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	_, err = PostWebhook(ctx, w.Client, h, body, now())
	return err
}

// PostWebhook posts body to h's URL with the X-Baobei-Timestamp and
// X-Baobei-Signature headers and returns the HTTP status; an answer other
// than 2xx is an error quoting the start of the answer.
func PostWebhook(ctx context.Context, client *http.Client, h *baobei.Webhook, body []byte, now time.Time) (int, error) {
	if client == nil {
		client = defaultHookClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	stamp := strconv.FormatInt(now.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "baobei-webhook")
	req.Header.Set("X-Baobei-Timestamp", stamp)
	req.Header.Set("X-Baobei-Signature", baobei.SignWebhook(h.Secret, stamp, body))
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16)) // lets the connection be reused
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("webhook W%d: HTTP %d: %s", h.ID, resp.StatusCode, strings.TrimSpace(string(answer)))
	}
	return resp.StatusCode, nil
}

var defaultHookClient = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}
