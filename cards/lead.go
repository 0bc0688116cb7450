package cards

import (
	"fmt"
	"time"

	"baobei"
)

// Lead is the card a rep gets with a lead given to them: the customer, its
// source, demand and region, and two buttons bound to the rep: 已联系 logs
// the first contact as a follow-up, 转给同事 hands the lead on (转派).
func Lead(c *baobei.Customer, rep *baobei.User, by string, s *Signer, p baobei.Policy, now time.Time) *Card {
	card := New(fmt.Sprintf("新线索 #%d", c.ID))
	card.Add("客户", c.Name).Add("电话", c.Phone)
	for _, f := range []Field{{"公司", c.Company}, {"来源", c.Source}, {"需求", c.Demand}, {"地区", c.Region}} {
		if f.Value != "" {
			card.Add(f.Label, f.Value)
		}
	}
	card.Add("分配人", by).Add("保护期至", protectedUntil(c, p))
	card.Buttons = []Button{
		s.Button("已联系", fmt.Sprintf("跟进 #%d 已联系客户", c.ID), rep.UID, now, ButtonTTL),
		s.Button("转给同事", fmt.Sprintf("转派 #%d", c.ID), rep.UID, now, ButtonTTL),
	}
	return card
}
