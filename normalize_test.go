package baobei

import "testing"

func TestNormalizeCompany(t *testing.T) {
	suffixes := DefaultPolicy().CompanySuffixes
	tests := []struct{ in, want string }{
		// The three spellings of one company.
		{"杭州明远家居有限公司", "明远家居"},
		{"明远家居", "明远家居"},
		{"明远家居（杭州）有限公司", "明远家居"},
		// Place names: province, city, district, short and full, leading or bracketed.
		{"浙江杭州明远家居", "明远家居"},
		{"浙江省杭州市明远家居有限公司", "明远家居"},
		{"杭州市西湖区明远家居有限公司", "明远家居"},
		{"浙江省杭州市桐庐县明远家居", "明远家居"},
		{"明远家居(浙江杭州)有限公司", "明远家居"},
		{"明远家居【杭州】", "明远家居"},
		{"明远家居（中国）有限公司", "明远家居"},
		{"广西壮族自治区南宁市明远家居", "明远家居"},
		{"广西明远家居", "明远家居"},
		{"内蒙古明远家居", "明远家居"},
		{"延边明远家居", "明远家居"},
		{"上海明远家居", "明远家居"},
		{"北京市明远家居", "明远家居"},
		// The README's examples.
		{"浙江省杭州市西湖区明远家居股份有限公司", "明远家居"},
		{"明远·家居 旗舰店", "明远家居"},
		{"ＡＢＣ Home 有限公司", "abchome"},
		// Suffixes: legal forms, group, branch, shop.
		{"明远家居有限责任公司", "明远家居"},
		{"明远家居股份有限公司", "明远家居"},
		{"明远家居集团", "明远家居"},
		{"明远家居集团有限公司", "明远家居"},
		{"明远家居（集团）有限公司", "明远家居"},
		{"明远家居杭州分公司", "明远家居"},
		{"明远家居滨江店", "明远家居滨江"},
		{"明远家居门店", "明远家居"},
		{"明远家居旗舰店", "明远家居"},
		{"明远家居公司", "明远家居"},
		// Width, case, spaces, punctuation, emoji.
		{"  明远 家居 ", "明远家居"},
		{"明远·家居，有限公司。", "明远家居"},
		{"“明远家居”😀", "明远家居"},
		{"ＡＢＣ家居", "abc家居"},
		{"ABC Home Co.", "abchomeco"},
		{"明远家居（Hangzhou）", "明远家居hangzhou"},
		// Not over-stripped: at least two characters stay.
		{"杭州公司", "杭州"},
		{"杭州", "杭州"},
		{"杭州市", "杭州市"},
		{"杭州店", "杭州"},
		{"美店", "美店"},
		{"杭州美店", "杭州美"},
		{"孙中山", "孙中山"},
		{"有限公司", "有限公司"},
		{"(杭州)", ""},
		{"", ""},
		{"（）", ""},
	}
	for _, tt := range tests {
		if got := NormalizeCompany(tt.in, suffixes); got != tt.want {
			t.Errorf("NormalizeCompany(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeCompanyPolicySuffixes(t *testing.T) {
	if got := NormalizeCompany("明远家居工作室", []string{"工作室"}); got != "明远家居" {
		t.Errorf("with policy suffix 工作室: %q", got)
	}
	if got := NormalizeCompany("明远家居工作室", nil); got != "明远家居工作室" {
		t.Errorf("without it: %q", got)
	}
}

func TestDraftKeysCollide(t *testing.T) {
	p := DefaultPolicy()
	key := func(company string) string {
		for _, k := range (CustomerDraft{Phone: "13800138000", Company: company}).Keys(p) {
			if k.Kind == KeyCompany {
				return k.Value
			}
		}
		return ""
	}
	a, b, c := key("杭州明远家居有限公司"), key("明远家居"), key("明远家居（杭州）有限公司")
	if a == "" || a != b || b != c {
		t.Errorf("company keys %q, %q, %q: want one key", a, b, c)
	}
}

func TestPlacesData(t *testing.T) {
	for _, name := range []string{"杭州", "杭州市", "浙江", "浙江省", "广西", "新疆", "延边", "阿克苏", "大兴安岭", "锡林郭勒", "香港", "神农架"} {
		if _, ok := places.names[name]; !ok {
			t.Errorf("places.txt lacks %s", name)
		}
	}
	if n := len(places.names); n < 600 {
		t.Errorf("places: %d names, want the provinces and prefecture-level cities (> 600 with short names)", n)
	}
}

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+86": "'+86", "-高意向": "'-高意向", "@a": "'@a",
		"＝1": "'＝1", "张先生": "张先生", "": "", "13800138000": "13800138000"} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
		if back := UnsafeCell(SafeCell(in)); back != in {
			t.Errorf("UnsafeCell(SafeCell(%q)) = %q", in, back)
		}
	}
	if got := UnsafeCell("'不是公式"); got != "'不是公式" {
		t.Errorf("UnsafeCell kept a real apostrophe as %q", got)
	}
}
