package dingtalk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// APIError is a refusal by DingTalk: an HTTP status with the OpenAPI's
// code and message, or a webhook's errcode.
type APIError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("dingtalk: HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// ErrorCode is DingTalk's code, or the HTTP status when it gave none.
func (e *APIError) ErrorCode() string {
	if e.Code != "" {
		return e.Code
	}
	return fmt.Sprint(e.Status)
}

// RateLimited reports a refusal for calling too often: HTTP 429, the
// OpenAPI's QPS-limit codes, or a robot webhook's 130101 ("send too fast").
func (e *APIError) RateLimited() bool {
	return e.Status == http.StatusTooManyRequests || e.Code == "130101" ||
		strings.Contains(e.Code, "QpsLimit") || strings.Contains(e.Code, "Throttling")
}

// tokenInvalid reports an access token that is invalid or expired.
func (e *APIError) tokenInvalid() bool {
	return e.Status == http.StatusUnauthorized || e.Code == "InvalidAuthentication"
}

// accessToken is the app's OpenAPI token, kept per process until shortly
// before it expires; DingTalk hands out the same token to every caller
// while it is valid, so replicas do not invalidate each other.
type accessToken struct {
	mu  sync.Mutex
	val string
	exp time.Time
}

// accessToken returns the cached token or fetches a new one.
func (a *Adapter) accessToken(ctx context.Context) (string, error) {
	a.token.mu.Lock()
	defer a.token.mu.Unlock()
	if a.token.val != "" && a.now().Before(a.token.exp) {
		return a.token.val, nil
	}
	var res struct {
		AccessToken string `json:"accessToken"`
		ExpireIn    int64  `json:"expireIn"`
	}
	req := map[string]string{"appKey": a.cfg.ClientID, "appSecret": a.cfg.ClientSecret}
	if err := a.do(ctx, http.MethodPost, a.cfg.APIBase+"/v1.0/oauth2/accessToken", "", req, &res); err != nil {
		return "", err
	}
	if res.AccessToken == "" {
		return "", errors.New("dingtalk: accessToken answered no token")
	}
	a.token.val = res.AccessToken
	a.token.exp = a.now().Add(time.Duration(res.ExpireIn)*time.Second - 5*time.Minute)
	return a.token.val, nil
}

func (a *Adapter) forgetToken() {
	a.token.mu.Lock()
	defer a.token.mu.Unlock()
	a.token.val = ""
}

// openAPI calls an OpenAPI path with the access token and, when DingTalk
// says the token is invalid or expired, fetches a new one and calls once more.
func (a *Adapter) openAPI(ctx context.Context, method, path string, body, out any) error {
	call := func() error {
		token, err := a.accessToken(ctx)
		if err != nil {
			return err
		}
		return a.do(ctx, method, a.cfg.APIBase+path, token, body, out)
	}
	err := call()
	var ae *APIError
	if errors.As(err, &ae) && ae.tokenInvalid() {
		a.forgetToken()
		err = call()
	}
	return err
}

// do sends body as JSON and decodes a 2xx answer into out; any other
// status is an *APIError. Errors never carry the URL's query, which holds
// webhook tokens.
func (a *Adapter) do(ctx context.Context, method, rawURL, token string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("dingtalk: %s %s: bad URL", method, redact(rawURL))
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("x-acs-dingtalk-access-token", token)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("dingtalk: %s %s: %w", ue.Op, redact(rawURL), ue.Err)
		}
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("dingtalk: %s %s: %w", method, redact(rawURL), err)
	}
	if resp.StatusCode/100 != 2 {
		ae := &APIError{Status: resp.StatusCode}
		json.Unmarshal(raw, ae)
		return ae
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// redact keeps the scheme, host and path of a URL.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(url)"
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// webhook posts a message to a robot webhook (a session's or a custom
// robot's), which answers errcode 0 when it took it.
func (a *Adapter) webhook(ctx context.Context, hook string, msg any) error {
	var res struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := a.do(ctx, http.MethodPost, hook, "", msg, &res); err != nil {
		return err
	}
	if res.ErrCode != 0 {
		return &APIError{Status: http.StatusOK, Code: fmt.Sprint(res.ErrCode), Message: res.ErrMsg}
	}
	return nil
}
