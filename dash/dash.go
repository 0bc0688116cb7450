// Package dash is the managers' dashboard (看板): a one-time link from
// chat opens a 12-hour session cookie; server-rendered pages show the
// funnel, the trend, the people ranking and the customers at risk for the
// viewer's scope, which every request checks on the server. Its headline
// numbers are store.Stats, the same as 统计 and the weekly summary.
package dash

import (
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"baobei"
	"baobei/cards"
	"baobei/store"

	"github.com/gin-gonic/gin"
)

// SessionTTL is how long an opened link keeps the viewer signed in.
const SessionTTL = 12 * time.Hour

const cookieName = "baobei_dash"

// Dash serves /dash.
type Dash struct {
	store  *store.Store
	clock  baobei.Clock
	policy baobei.Policy
	signer *cards.Signer
	secure bool // cookies only over https (public_url is https)
	font   []byte
	log    *slog.Logger
	pages  *template.Template
}

//go:embed templates/*.html
var templates embed.FS

// New builds the dashboard; font (a CJK font's bytes, or nil) labels the charts.
func New(s *store.Store, clock baobei.Clock, p baobei.Policy, signer *cards.Signer, publicURL string, font []byte, log *slog.Logger) *Dash {
	funcs := template.FuncMap{"yuan": baobei.FormatCents, "date": p.Date, "pct": pct,
		"datetime": func(t *time.Time) string { return when(t, p) }, "at": p.DateTime,
		"days":   days,
		"action": func(a string) string { return cmpOr(actionLabels[a], a) },
		"svg":    func(b []byte) template.HTML { return template.HTML(b) }} // charts are rendered by us, never from input
	t := template.Must(template.New("").Funcs(funcs).ParseFS(templates, "templates/*.html"))
	return &Dash{store: s, clock: clock, policy: p, signer: signer, secure: strings.HasPrefix(publicURL, "https://"),
		font: font, log: log, pages: t}
}

func pct(on, of int) string {
	if of == 0 {
		return "—"
	}
	return strconv.Itoa(on*100/of) + "%"
}

// Mount adds the routes to r.
func (d *Dash) Mount(r gin.IRouter) {
	// A chat app may fetch a link to preview it: GET only shows a button,
	// and the POST it sends spends the link.
	r.GET("/dash/open/:token", func(c *gin.Context) {
		d.render(c, "confirm", map[string]any{"Action": "/dash/open/" + c.Param("token"), "Label": "打开看板"})
	})
	r.POST("/dash/open/:token", d.open)
	g := r.Group("/dash", d.session)
	g.GET("/", d.overview)
	g.GET("/people", d.people)
	g.GET("/risk", d.risk)
	g.GET("/forecast", d.forecast)
	g.GET("/channels", d.channels)
	g.GET("/cycle", d.cycle)
	g.GET("/customers", d.customers)
	g.GET("/customers/:id", d.customer)
}

// open spends a 看板 link and starts the session.
func (d *Dash) open(c *gin.Context) {
	l, err := d.store.UseLink(c.Request.Context(), d.clock.Now(), baobei.LinkDash, c.Param("token"))
	if d.refused(c, err) {
		return
	}
	tok := d.signer.Sign(cards.Action{Command: "dash:" + l.User.UID, Expires: d.clock.Now().Add(SessionTTL).Unix()})
	http.SetCookie(c.Writer, &http.Cookie{Name: cookieName, Value: tok, Path: "/dash", MaxAge: int(SessionTTL / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: d.secure})
	c.Redirect(http.StatusSeeOther, "/dash/")
}

// session finds the viewer from the cookie, read afresh from the store.
func (d *Dash) session(c *gin.Context) {
	ck, err := c.Cookie(cookieName)
	if err != nil {
		d.deny(c, http.StatusUnauthorized, "请在聊天里发「看板」获取登录链接。")
		return
	}
	a, err := d.signer.Verify(ck, "", d.clock.Now())
	uid, ok := strings.CutPrefix(a.Command, "dash:")
	if err != nil || !ok {
		d.deny(c, http.StatusUnauthorized, "登录已过期，请在聊天里重新发「看板」。")
		return
	}
	u, err := d.store.UserByUID(c.Request.Context(), uid)
	if err != nil || !u.Active {
		d.deny(c, http.StatusForbidden, "账号不可用，请联系管理员。")
		return
	}
	c.Set("viewer", u)
	c.Next()
}

func viewer(c *gin.Context) *baobei.User { return c.MustGet("viewer").(*baobei.User) }

// refused answers a chat error (a used or expired link, a scope) as a
// page; anything else as a 500. It reports whether it answered.
func (d *Dash) refused(c *gin.Context, err error) bool {
	if err == nil {
		return false
	}
	var e *baobei.Error
	if errors.As(err, &e) {
		status := map[string]int{baobei.ENOTFOUND: http.StatusGone, baobei.EFORBIDDEN: http.StatusForbidden}[e.Code]
		if status == 0 {
			status = http.StatusBadRequest
		}
		d.deny(c, status, e.Message)
		return true
	}
	d.log.Error("dash", "path", c.FullPath(), "err", err)
	d.deny(c, http.StatusInternalServerError, "服务器内部错误，请稍后重试。")
	return true
}

func (d *Dash) deny(c *gin.Context, status int, msg string) {
	c.Status(status)
	d.render(c, "denied", map[string]any{"Message": msg})
	c.Abort()
}

func (d *Dash) render(c *gin.Context, name string, data map[string]any) {
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := d.pages.ExecuteTemplate(c.Writer, name, data); err != nil {
		d.log.Error("dash render", "page", name, "err", err)
	}
}

// actionLabels name the audit actions in the customer's timeline.
var actionLabels = map[string]string{
	"report": "报备", "lead": "新线索", "import": "导入", "assign": "分配", "claim": "领取", "release": "退回公海",
	"transfer": "转移", "handover": "交接", "won": "成交", "approve": "审批通过", "reject": "审批驳回", "expire": "申请过期",
	"lock": "锁定", "unlock": "解锁", "grade": "改等级", "stage_back": "阶段退回", "amount": "改金额",
	"visit_plan": "计划拜访", "visit_checkin": "拜访签到", "visit_report": "拜访报告", "visit_move": "拜访改期",
	"visit_cancel": "取消拜访", "visit_missed": "拜访未去",
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
