package dingtalk

import (
	"encoding/json"
	"flag"
	"os"
	"testing"

	"baobei/cards"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestCardPayloadsGolden(t *testing.T) {
	log, _ := newLog()
	a := New(Config{ClientID: "dingbaobeitest", CardTemplateID: "baobei-card.schema"}, nil, log)
	c := cards.New("延期审批 A7").Add("客户", "#3 张先生").Add("电话", "13800138000").Add("申请人", "张三").Add("延期", "15 天")
	c.Buttons = []cards.Button{{Label: "同意", Action: "eyJjIjoi5ZCM5oSPIEE3In0.c2ln"}, {Label: "驳回", Action: "eyJjIjoi6amz5ZueIEE3In0.c2ln"}}
	payloads := map[string]any{
		"createAndDeliver_user":  a.deliverBody(c, robotSpace("wangjl"), "bb0123456789abcdef01234567"),
		"createAndDeliver_group": a.deliverBody(c, groupSpace("cidS1"), "bb0123456789abcdef01234568"),
		"update":                 updateBody("bb0123456789abcdef01234567", "已处理"),
	}
	got, err := json.MarshalIndent(payloads, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := "testdata/card_payloads.json"
	if *update {
		os.WriteFile(path, got, 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil || string(want) != string(got) {
		t.Fatalf("card payloads differ from %s (run with -update after checking):\n%s", path, got)
	}
}

func TestCardParamsKeepSixButtons(t *testing.T) {
	c := cards.New("公海（9）")
	for range 8 {
		c.Buttons = append(c.Buttons, cards.Button{Label: "领取", Action: "t"})
	}
	p := cardParams(c)
	if p["btn_count"] != "6" || p["btn_6_label"] != "领取" || p["btn_7_label"] != "" || len(p) != 6+2*MaxButtons {
		t.Fatalf("params = %v", p)
	}
}
