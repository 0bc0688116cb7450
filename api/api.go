// Package api is the open HTTP API under /api/v1: bearer tokens with
// scopes, leads in (deduplicated like a 报备, then assigned), reports on a
// rep's behalf, customers and follow-ups, statistics and imports — with the
// chat's rules and error codes, a per-token rate limit and an OpenAPI 3
// document that a test holds to the routes.
package api

import (
	"context"
	_ "embed"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"baobei"
	"baobei/cards"
	"baobei/store"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// API-only error codes (the others are the chat's).
const (
	ETOKEN = "ETOKEN" // 401: no token, or an unknown or revoked one
	ERATE  = "ERATE"  // 429: the token's rate limit
)

// Config is the api section of baobei.yaml.
type Config struct {
	Rate  float64 `yaml:"rate"`  // requests a second per token
	Burst int     `yaml:"burst"` // requests at once per token
}

// API serves /api/v1.
type API struct {
	store  *store.Store
	clock  baobei.Clock
	policy baobei.Policy
	signer *cards.Signer
	cfg    Config
	log    *slog.Logger

	mu       sync.Mutex
	limiters map[int64]*rate.Limiter // by token id
}

// New builds the API on s.
func New(s *store.Store, clock baobei.Clock, p baobei.Policy, signer *cards.Signer, cfg Config, log *slog.Logger) *API {
	return &API{store: s, clock: clock, policy: p, signer: signer, cfg: cfg, log: log, limiters: map[int64]*rate.Limiter{}}
}

//go:embed openapi.json
var openapi []byte

// Mount adds the routes to r.
func (a *API) Mount(r gin.IRouter) {
	g := r.Group("/api/v1")
	g.GET("/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", openapi) })
	g.POST("/leads", a.auth(baobei.ScopeLeadsWrite), a.postLead)
	g.POST("/reports", a.auth(baobei.ScopeLeadsWrite), a.postReport)
	g.GET("/customers", a.auth(baobei.ScopeCustomersRead), a.listCustomers)
	g.GET("/customers/:id", a.auth(baobei.ScopeCustomersRead), a.getCustomer)
	g.POST("/customers/:id/followups", a.auth(baobei.ScopeCustomersWrite), a.postFollowUp)
	g.GET("/stats", a.auth(baobei.ScopeStatsRead), a.stats)
	g.POST("/imports", a.auth(baobei.ScopeCustomersWrite), a.postImport)
	// 导出's one-time links: the token is the credential. A chat app may
	// fetch a link to preview it: GET only shows a button, its POST spends it.
	r.GET("/dl/:token", func(c *gin.Context) {
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(`<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">`+
			`<form method="post"><p>链接只能使用一次，10 分钟内有效。</p><button id="go" type="submit" style="font-size:18px;padding:10px 24px">下载客户导出（Excel）</button></form>`))
	})
	r.POST("/dl/:token", a.download)
}

// auth checks the bearer token, its scope and its rate limit.
func (a *API) auth(scope string) gin.HandlerFunc {
	return func(c *gin.Context) {
		plain, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || plain == "" {
			abort(c, http.StatusUnauthorized, ETOKEN, "需要 Authorization: Bearer <token>；用 baobei token create 创建。")
			return
		}
		t, err := a.store.TokenByPlain(c.Request.Context(), a.clock.Now(), strings.TrimSpace(plain))
		if baobei.ErrorCode(err) == baobei.ENOTFOUND {
			abort(c, http.StatusUnauthorized, ETOKEN, "token 无效或已吊销。")
			return
		}
		if err != nil {
			a.fail(c, err)
			return
		}
		if !t.Has(scope) {
			abort(c, http.StatusForbidden, baobei.EFORBIDDEN, "这个 token 没有 "+scope+" 权限。")
			return
		}
		if !a.limiter(t.ID).Allow() {
			c.Header("Retry-After", "1")
			abort(c, http.StatusTooManyRequests, ERATE, "请求太频繁，请稍后再试。")
			return
		}
		c.Set("token", t)
		c.Next()
	}
}

func (a *API) limiter(id int64) *rate.Limiter {
	a.mu.Lock()
	defer a.mu.Unlock()
	l, ok := a.limiters[id]
	if !ok {
		l = rate.NewLimiter(rate.Limit(a.cfg.Rate), a.cfg.Burst)
		a.limiters[id] = l
	}
	return l
}

func token(c *gin.Context) *baobei.APIToken { return c.MustGet("token").(*baobei.APIToken) }

// Problem is every error's body.
type Problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// A duplicate lead or report: the existing customer and whether someone
	// holds it — never who, nor its contact details.
	CustomerID int64 `json:"customer_id,omitempty"`
	Owned      *bool `json:"owned,omitempty"`
}

func abort(c *gin.Context, status int, code, msg string) {
	c.AbortWithStatusJSON(status, Problem{Code: code, Message: msg})
}

// statusOf maps the chat's codes to HTTP.
var statusOf = map[string]int{
	baobei.EINVALID:   http.StatusUnprocessableEntity,
	baobei.ELIMIT:     http.StatusUnprocessableEntity,
	baobei.ECONFLICT:  http.StatusConflict,
	baobei.EAMBIGUOUS: http.StatusConflict,
	baobei.EFORBIDDEN: http.StatusForbidden,
	baobei.ENOTFOUND:  http.StatusNotFound,
}

// fail answers err: a chat error with its code, a conflict with the
// existing customer, anything else as a 500 that is logged.
func (a *API) fail(c *gin.Context, err error) {
	var conflict *baobei.Conflict
	if errors.As(err, &conflict) {
		owned := false
		if conflict.Existing != nil {
			_, owned = conflict.Existing.Owner(a.clock.Now())
		}
		p := Problem{Code: baobei.ECONFLICT, Message: "客户已存在（" + baobei.KeyLabel(conflict.Key.Kind) + "相同）。", Owned: &owned}
		if conflict.Existing != nil {
			p.CustomerID = conflict.Existing.ID
		}
		c.AbortWithStatusJSON(http.StatusConflict, p)
		return
	}
	var e *baobei.Error
	if errors.As(err, &e) && e.Code == baobei.ECONFLICT { // chat's text names the owner; the API never does
		abort(c, http.StatusConflict, e.Code, "客户已存在，或其报备正在等待审批。")
		return
	}
	if errors.As(err, &e) {
		abort(c, statusOf[e.Code], e.Code, e.Message)
		return
	}
	if errors.Is(err, context.Canceled) {
		c.Abort()
		return
	}
	a.log.Error("api", "path", c.FullPath(), "err", err)
	abort(c, http.StatusInternalServerError, "EINTERNAL", "服务器内部错误，请稍后重试。")
}

func invalid(c *gin.Context, msg string) {
	abort(c, http.StatusUnprocessableEntity, baobei.EINVALID, msg)
}

// bind reads a JSON body into v, or answers 422.
func bind(c *gin.Context, v any) bool {
	if err := c.ShouldBindJSON(v); err != nil {
		invalid(c, "请求体不是有效的 JSON："+err.Error())
		return false
	}
	return true
}

func pathID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		abort(c, http.StatusNotFound, baobei.ENOTFOUND, "没有这个客户编号。")
		return 0, false
	}
	return id, true
}

// rfc3339 reads an optional time parameter.
func rfc3339(c *gin.Context, name, v string) (*time.Time, bool) {
	if v == "" {
		return nil, true
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		invalid(c, name+" 要写 RFC 3339 时间，例如 2026-12-01T09:00:00+08:00。")
		return nil, false
	}
	return &t, true
}
