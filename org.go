package baobei

// Org is the sales organisation as configured in baobei.yaml.
type Org struct {
	AutoRegister bool        `yaml:"auto_register"`
	Teams        []OrgTeam   `yaml:"teams"`
	Admins       []OrgMember `yaml:"admins"`
}

// OrgTeam is one team with its group chat and members.
type OrgTeam struct {
	Code    string      `yaml:"code"` // stable key; defaults to the chat id, then the name
	Name    string      `yaml:"name"`
	Chat    string      `yaml:"chat"`
	Members []OrgMember `yaml:"members"`
}

// OrgMember is one user; Role defaults to rep.
type OrgMember struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	Role Role   `yaml:"role"`
}

// DemoOrg is seeded when no org is configured, so the console has people.
func DemoOrg() Org {
	return Org{
		Teams: []OrgTeam{
			{Name: "销售一组", Chat: "sales1", Members: []OrgMember{
				{ID: "wangjl", Name: "王经理", Role: RoleManager},
				{ID: "zhangsan", Name: "张三"}, {ID: "lisi", Name: "李四"}, {ID: "zhaowu", Name: "赵五"},
			}},
			{Name: "销售二组", Chat: "sales2", Members: []OrgMember{
				{ID: "chenjl", Name: "陈经理", Role: RoleManager}, {ID: "sunqi", Name: "孙七"},
			}},
		},
		Admins: []OrgMember{{ID: "admin", Name: "管理员", Role: RoleAdmin}},
	}
}

// TeamCode is the stable key of a configured team.
func (t OrgTeam) TeamCode() string {
	switch {
	case t.Code != "":
		return t.Code
	case t.Chat != "":
		return t.Chat
	}
	return t.Name
}
