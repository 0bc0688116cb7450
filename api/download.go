package api

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"

	"baobei"
	"baobei/importer"

	"github.com/gin-gonic/gin"
)

// download serves a one-time export link (导出 in chat): the first open
// within 10 minutes gets the xlsx of what the asker may export, phones as
// chat shows them to the asker; later opens get 410.
func (a *API) download(c *gin.Context) {
	ctx, now := c.Request.Context(), a.clock.Now()
	d, err := a.store.UseLink(ctx, now, baobei.LinkExport, c.Param("token"))
	var e *baobei.Error
	if errors.As(err, &e) { // used, expired, or the asker's account stopped
		status := http.StatusGone
		if e.Code == baobei.EFORBIDDEN {
			status = http.StatusForbidden
		}
		c.String(status, e.Message)
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	dir, err := os.MkdirTemp("", "baobei-export-")
	if err != nil {
		a.fail(c, err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "export.xlsx")
	if _, err := importer.Export(ctx, a.store, a.policy, d.Scope, d.User, now, path); err != nil {
		a.fail(c, err)
		return
	}
	c.FileAttachment(path, "客户导出-"+now.In(a.policy.Loc).Format("20060102-1504")+".xlsx")
}
