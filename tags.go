package baobei

import (
	"strings"
)

// Tag kinds: typed by people (标签), or set by the system (segments).
const (
	TagUser   = "user"
	TagSystem = "system"
)

// MaxTags is how many tags people may give one customer.
const MaxTags = 10

// ParseTag checks a tag as typed: 1 to 16 characters, no spaces or the
// characters that name things in chat (# @ :).
func ParseTag(s string) (string, *Error) {
	t := strings.TrimSpace(FoldWidth(s))
	if t == "" || RuneLen(t) > 16 || strings.ContainsAny(t, "#@: \t") {
		return "", Errorf(EINVALID, "标签“%s”不行：每个标签 1 到 16 个字，不含空格、#、@ 和冒号。例如：标签 #3 高意向 老客户介绍", s)
	}
	return t, nil
}

// CheckTag decides whether actor may change c's tags: its owner, a manager
// of the owner's team or an admin; a pool customer's, managers and admins.
func CheckTag(c *Customer, actor *User) *Error {
	if err := checkSettled(c, actor); err != nil {
		return err
	}
	owner := int64(0)
	if c.OwnerID != nil {
		owner = *c.OwnerID
	}
	switch {
	case actor.Role == RoleAdmin, owner == actor.ID, owner != 0 && actor.CanManage(c.OwnerTeam):
		return nil
	case owner == 0 && actor.Role == RoleManager:
		return nil
	}
	return Errorf(EFORBIDDEN, "#%d 是 %s 的客户，只有负责人、其团队经理或管理员可以改标签。需要时请联系 %s。", c.ID, ownerLabel(c), ownerLabel(c))
}

// TagText lists tags for a reply: 高意向、老客户介绍.
func TagText(tags []string) string {
	if len(tags) == 0 {
		return "（无）"
	}
	return strings.Join(tags, "、")
}
