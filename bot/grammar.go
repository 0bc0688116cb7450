package bot

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"baobei"
)

// keys maps a field key as typed (ASCII lower-cased) to its canonical key.
var keys = map[string]string{
	"来源": "来源", "客户来源": "来源", "渠道": "来源", "来源渠道": "来源",
	"需求": "需求", "客户需求": "需求", "意向": "需求", "需求描述": "需求",
	"备注": "备注", "说明": "备注",
	"公司": "公司", "公司名称": "公司", "公司名": "公司", "单位": "公司",
	"微信": "微信", "微信号": "微信", "wx": "微信", "vx": "微信",
	"等级": "等级", "客户等级": "等级", "级别": "等级",
	"阶段": "阶段", "客户阶段": "阶段", "进度": "阶段",
	"下次": "下次", "下次跟进": "下次", "下次联系": "下次", "下次时间": "下次", "下次回访": "下次", "回访": "下次",
	"金额": "金额", "成交金额": "金额", "订单金额": "金额", "合同金额": "金额",
	"原因": "原因", "流失原因": "原因", "释放原因": "原因", "理由": "原因",
	"内容": "内容", "跟进内容": "内容",
	"类型": "类型", "跟进类型": "类型", "跟进方式": "类型", "方式": "类型",
	"目标": "目标", "拜访目标": "目标", "地址": "地址", "拜访地址": "地址", "同行": "同行", "同行人": "同行",
	"参会": "参会", "参会人": "参会", "参会人员": "参会", "参与人": "参会", "痛点": "痛点", "预算": "预算",
	"决策链": "决策链", "竞品": "竞品", "竞争对手": "竞品", "关注点": "关注点",
	"下一步": "下一步", "后续": "下一步", "下步": "下一步",
	"标签": "标签", "tag": "标签",
	"商品": "商品", "产品": "商品", "购买": "商品",
	"日期": "日期", "购买日期": "日期", "成交日期": "日期", "下单日期": "日期",
	"姓名": "姓名", "名字": "姓名", "客户": "姓名", "客户姓名": "姓名", "称呼": "姓名", "联系人": "姓名",
	"电话": "电话", "手机": "电话", "手机号": "电话", "手机号码": "电话", "电话号码": "电话", "联系电话": "电话", "联系方式": "电话", "tel": "电话",
}

// keyExample shows how to write key; 阶段 with the second configured stage.
func keyExample(key string) string {
	if f, ok := baobei.FieldOf(key); ok {
		return f.Example()
	}
	if key == "阶段" {
		return "阶段:" + string(baobei.Stages[min(1, len(baobei.Stages)-3)]) // an open stage
	}
	return keyExamples[key]
}

// lineKeys take the rest of their line as the value when they start a line
// of a multi-line form (需求：三人沙发 要现货).
var lineKeys = map[string]bool{"来源": true, "需求": true, "备注": true, "公司": true, "原因": true, "内容": true, "姓名": true,
	"目标": true, "地址": true, "参会": true, "痛点": true, "预算": true, "决策链": true, "竞品": true, "关注点": true, "下一步": true}

var keyExamples = map[string]string{
	"来源": "来源:抖音", "需求": "需求:三人沙发", "公司": "公司:杭州某某家居", "微信": "微信:zhang_wx",
	"等级": "等级:A", "下次": "下次:周五 14:00", "金额": "金额:12800",
	"原因": "原因:预算不足", "内容": "内容:电话沟通", "姓名": "姓名:张先生", "电话": "电话:13800138000",
	"备注": "备注:周末有空", "目标": "目标:演示方案", "地址": "地址:文三路100号",
	"预算": "预算:20万", "决策链": "决策链:王总拍板", "竞品": "竞品:某某家居", "参会": "参会:王总(决策人)",
	"痛点": "痛点:交期长", "关注点": "关注点:售后", "下一步": "下一步:周五前发方案", "同行": "同行:@李四", "类型": "类型:电话", "标签": "标签:高意向", "商品": "商品:三人沙发", "日期": "日期:昨天",
}

// span is a token: rune offsets into the message; phone marks a run found
// by the phone scan.
type span struct {
	start, end int
	phone      bool
}

// item is a token after keys are joined to their values.
type item struct {
	key   string // canonical key, "" for a free token
	val   span   // the key's value, or the free token itself
	from  int    // where the item starts: its key, or the free token
	colon bool   // the key was written with a colon (阶段:报价), not glued or spaced
}

// msg holds the message as typed and, rune for rune, width-folded.
type msg struct {
	orig, fold []rune
	now        time.Time // resolves relative dates (下一步:周五前…)
	loc        *time.Location
}

// Parse parses one chat message. now and loc resolve relative dates. Errors
// are *baobei.Error with code EINVALID; an unknown command comes back as
// CmdUnknown together with an error that suggests the closest command.
func Parse(text string, now time.Time, loc *time.Location, p baobei.Policy) (*Command, error) {
	m := newMsg(stripMentions(text))
	m.now, m.loc = now, loc
	toks := m.lex()
	name, toks := m.command(toks)
	if name == "" {
		return &Command{Name: CmdUnknown}, m.unknown(toks)
	}
	c := &Command{Name: name}
	spec := specs[name]
	if spec.parse == nil {
		if len(toks) > 0 {
			c.Ignored = []string{m.line(span{start: toks[0].start, end: toks[len(toks)-1].end})}
		}
		return c, nil
	}
	lim := policyLimits(p)
	items, err := m.items(name, toks)
	if c.Name != CmdReport {
		asRef(items)
	}
	if err == nil {
		err = m.apply(c, items, now, loc, lim)
	}
	if err == nil {
		err = m.args(c, items, lim)
	}
	if err == nil {
		err = checkLimits(c, lim)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func newMsg(text string) *msg {
	m := &msg{orig: []rune(strings.TrimFunc(text, isSpaceRune))}
	m.fold = make([]rune, len(m.orig))
	for i, r := range m.orig {
		m.fold[i] = foldRune(r)
	}
	m.blankBrackets()
	return m
}

func foldRune(r rune) rune {
	if r < 0x80 {
		return r
	}
	if strings.ContainsRune(invisible, r) {
		return ' '
	}
	if f := []rune(baobei.FoldWidth(string(r))); len(f) == 1 {
		return f[0]
	}
	return r
}

func (m *msg) raw(s span) string  { return string(m.orig[s.start:s.end]) }
func (m *msg) text(s span) string { return string(m.fold[s.start:s.end]) }

// line is the text of s as typed, with its line breaks as spaces.
func (m *msg) line(s span) string {
	return strings.Join(strings.Fields(string(m.orig[s.start:s.end])), " ")
}

// isSep reports a (folded) token separator.
func isSep(r rune) bool {
	return unicode.IsSpace(r) || r == ',' || r == '、' || r == ';'
}

func isDigit(r rune) bool  { return r >= '0' && r <= '9' }
func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// lex splits the message at separators; phone runs are tokens of their own.
func (m *msg) lex() []span {
	phones := m.phoneSpans()
	var toks []span
	start := -1
	flush := func(end int) {
		if start >= 0 {
			toks = append(toks, span{start: start, end: end})
			start = -1
		}
	}
	for i := 0; i < len(m.fold); i++ {
		switch {
		case len(phones) > 0 && phones[0].start == i:
			flush(i)
			toks = append(toks, phones[0])
			i = phones[0].end - 1
			phones = phones[1:]
		case isSep(m.fold[i]):
			flush(i)
		case start < 0:
			start = i
		}
	}
	flush(len(m.fold))
	return m.joinThousands(toks)
}

// joinThousands joins 12,800 and 1,280,000.50 back into one token: the
// comma separates tokens, but between digit groups it groups thousands.
func (m *msg) joinThousands(toks []span) []span {
	var out []span
	for _, t := range toks {
		if n := len(out); n > 0 && !t.phone && !out[n-1].phone && t.start == out[n-1].end+1 && m.fold[out[n-1].end] == ',' &&
			m.groupBefore(out[n-1].end) && m.threeDigits(t.start) {
			out[n-1].end = t.end
			continue
		}
		out = append(out, t)
	}
	return out
}

// groupBefore reports whether 1 to 3 digits end at i, after a non-digit or
// a thousands comma.
func (m *msg) groupBefore(i int) bool {
	n := 0
	for i-n-1 >= 0 && isDigit(m.fold[i-n-1]) {
		n++
	}
	return n >= 1 && n <= 3
}

// threeDigits reports whether exactly three digits start at i.
func (m *msg) threeDigits(i int) bool {
	n := 0
	for i+n < len(m.fold) && isDigit(m.fold[i+n]) {
		n++
	}
	return n == 3
}

// phoneSpans finds digit runs, possibly broken by single spaces, dashes,
// brackets or +, that make a mobile number (or start with + and hold ≥ 7
// digits: an attempted one).
func (m *msg) phoneSpans() []span {
	var out []span
	for i := 0; i < len(m.fold); i++ {
		if !m.phoneStart(i) {
			continue
		}
		if end, ok := m.phoneRun(i); ok {
			out = append(out, span{start: i, end: end, phone: true})
			i = end - 1
		}
	}
	return out
}

// phoneStart tells whether a phone may begin at i: not inside a word or
// number, and not as the value of a key other than 电话/手机.
func (m *msg) phoneStart(i int) bool {
	c := m.fold[i]
	if !isDigit(c) && c != '+' && c != '(' {
		return false
	}
	if i > 0 {
		p := m.fold[i-1]
		if isDigit(p) || isLetter(p) || strings.ContainsRune("#@.-+()_", p) {
			return false
		}
	}
	return !m.afterValueKey(i)
}

// afterValueKey reports whether i follows "key:" for a known key that is not a phone key.
func (m *msg) afterValueKey(i int) bool {
	j := i - 1
	for j >= 0 && m.fold[j] == ' ' {
		j--
	}
	if j < 0 || m.fold[j] != ':' {
		return false
	}
	k := j - 1
	for k >= 0 && m.fold[k] == ' ' {
		k--
	}
	e := k + 1
	for k >= 0 && !isSep(m.fold[k]) && m.fold[k] != ':' {
		k--
	}
	key := keyName(asciiLower(string(m.fold[k+1 : e])))
	return key != "" && key != "电话"
}

// phoneRun reads digit groups from i and returns where the phone ends.
func (m *msg) phoneRun(i int) (int, bool) {
	f, j, plus := m.fold, i, false
	for j < len(f) && j-i < 2 && (f[j] == '(' || f[j] == '+') {
		plus = plus || f[j] == '+'
		j++
	}
	var digits []rune
	for last := j; ; {
		k := j
		for k < len(f) && isDigit(f[k]) {
			k++
		}
		if k == j || len(digits)+k-j > 15 {
			return last, plus && len(digits) >= 7
		}
		digits, j, last = append(digits, f[j:k]...), k, k
		if mobile(string(digits)) && !(j < len(f) && (isDigit(f[j]) || isLetter(f[j]))) {
			return m.closeBracket(i, j), true
		}
		for c := j; j < len(f) && j-c < 2 && strings.ContainsRune(" -()+", f[j]); {
			j++
		}
	}
}

// closeBracket takes the ")" that closes a "(" opened inside the phone.
func (m *msg) closeBracket(i, j int) int {
	s := string(m.fold[i:j])
	if j < len(m.fold) && m.fold[j] == ')' && strings.Count(s, "(") > strings.Count(s, ")") {
		return j + 1
	}
	return j
}

// mobile reports whether digits are a mobile number, with or without
// 86/0086, as baobei.NormalizePhone accepts it.
func mobile(d string) bool {
	switch {
	case len(d) == 15 && strings.HasPrefix(d, "0086"):
		d = d[4:]
	case len(d) == 13 && strings.HasPrefix(d, "86"):
		d = d[2:]
	}
	return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'
}

// command reads the command word from the first token, also when it is
// glued to its first argument (报备13800138000, 领取#3).
func (m *msg) command(toks []span) (string, []span) {
	if len(toks) == 0 {
		return "", toks
	}
	first := toks[0]
	t := asciiLower(m.text(first))
	for _, c := range commands {
		if t == c.word {
			return c.name, toks[1:]
		}
	}
	for _, c := range commands {
		if !strings.HasPrefix(t, c.word) || first.phone {
			continue
		}
		arg := m.trimPunct(span{start: first.start + baobei.RuneLen(c.word), end: first.end})
		if arg.start == arg.end && arg.start > first.start+baobei.RuneLen(c.word) {
			return c.name, toks[1:] // 报备：13800138000
		}
		if arg.start < arg.end && (arg.start > first.start+baobei.RuneLen(c.word) || strings.ContainsRune("0123456789#@+(", m.fold[arg.start])) {
			return c.name, append([]span{arg}, toks[1:]...)
		}
	}
	return "", toks
}

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// unknown explains that the message is no command and suggests the closest one.
func (m *msg) unknown(toks []span) error {
	if len(toks) == 0 {
		return baobei.Errorf(baobei.EINVALID, "消息是空的。%s例如：%s", helpLine, examples[CmdReport])
	}
	first := toks[0]
	shown := []rune(m.raw(first))
	if len(shown) > 12 {
		shown = append(shown[:12], '…')
	}
	word, name := closestCommand(asciiLower(string(m.fold[first.start:min(first.end, first.start+8)])))
	if _, isPhone, _ := m.phoneOf(first); isPhone {
		word, name = "报备", CmdReport
	}
	if word == "" {
		return baobei.Errorf(baobei.EINVALID, "没看懂“%s”。%s例如：%s", string(shown), helpLine, examples[CmdReport])
	}
	return baobei.Errorf(baobei.EINVALID, "没看懂“%s”。你是不是想发「%s」？例如：%s\n%s",
		string(shown), word, examples[name], helpLine)
}

// closestCommand returns the command word nearest to w by edit distance,
// or "" when nothing is close.
func closestCommand(w string) (string, string) {
	word, name, bestD := "", "", 1<<30
	for _, c := range commands {
		d := editDistance([]rune(w), []rune(c.word))
		if d < bestD && d < max(baobei.RuneLen(w), baobei.RuneLen(c.word)) {
			word, name, bestD = CommandWord(c.name), c.name, d
		}
	}
	return word, name
}

func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// items joins known keys to their values: 来源:抖音, 来源: 抖音, 来源 :抖音.
// A key that starts a line of a multi-line form takes the rest of its line;
// 下次 takes the time of day that follows its date (下次:明天 下午 3点).
func (m *msg) items(cmd string, toks []span) ([]item, error) {
	var out []item
	for i := 0; i < len(toks); i++ {
		from := toks[i].start
		key, val := m.splitKey(toks[i])
		colon := key != "" && m.fold[val.start-1] == ':'
		if key == "" && i+1 < len(toks) && m.bareKey(toks[i]) && m.fold[toks[i+1].start] == ':' {
			key, val, colon = m.keyOf(toks[i]), m.trimColons(toks[i+1]), true
			i++
		} else if key == "" && i+1 < len(toks) && m.bareKey(toks[i]) && m.spacedKey(cmd, m.keyOf(toks[i]), toks[i+1]) {
			key, val = m.keyOf(toks[i]), toks[i+1]
			i++
		}
		if key == "" {
			out = append(out, item{val: toks[i], from: from})
			continue
		}
		if val.start == val.end {
			if i+1 >= len(toks) || m.hasKey(toks[i+1]) || m.lineBreak(val.start, toks[i+1].start) && m.startsLine(from) {
				return nil, baobei.Errorf(baobei.EINVALID, "「%s:」后面没有内容。例如 %s", key, keyExample(key))
			}
			i++
			val = toks[i]
		}
		switch {
		case (lineKeys[key] || isTextField(key)) && m.startsLine(from):
			for i+1 < len(toks) && !m.lineBreak(val.end, toks[i+1].start) && !m.hasKey(toks[i+1]) && !toks[i+1].phone {
				i++
				val.end = toks[i].end
			}
		case key == "下次":
			for i+1 < len(toks) && isTimeOfDay(m.text(toks[i+1])) {
				i++
				val.end = toks[i].end
			}
		}
		if key != "内容" {
			val = m.trimValue(val)
		}
		if val.start == val.end {
			return nil, baobei.Errorf(baobei.EINVALID, "「%s:」后面没有内容。例如 %s", key, keyExample(key))
		}
		out = append(out, item{key: key, val: val, from: from, colon: colon})
	}
	return out, nil
}

// asRef turns 姓名 and 电话 (客户：#3, 电话:13800138000) into free text on
// the commands that name a customer: before any free text they are the
// reference; later they stay in the text as typed (跟进 #3 客户换号了
// 电话:13900139000 must not pick another customer).
func asRef(items []item) {
	free := false
	for i, it := range items {
		switch {
		case it.key == "":
			free = true
		case it.key == "姓名" || it.key == "电话":
			items[i].key = ""
			if free {
				items[i].val = span{start: it.from, end: it.val.end}
			} else if it.key == "电话" {
				items[i].val.phone = true // checked as a phone: 电话:1234 is no customer number
			}
			free = true
		}
	}
}

// keyOf is the canonical key of a bare key token, or "".
func (m *msg) keyOf(t span) string { return keyName(asciiLower(m.text(t))) }

// keyName is the canonical key of s (folded, ASCII lower-cased): a built-in
// key or the key of a custom field (policy.fields); "" when neither.
func keyName(s string) string {
	if k := keys[s]; k != "" {
		return k
	}
	for _, f := range baobei.Fields {
		if asciiLower(baobei.FoldWidth(f.Key)) == s {
			return f.Key
		}
	}
	return ""
}

// IsKey reports whether k is a built-in key of chat (来源, 需求, 阶段 …),
// which a custom field may not take.
func IsKey(k string) bool { return keys[asciiLower(baobei.FoldWidth(strings.TrimSpace(k)))] != "" }

// FieldCommands are the commands that take custom fields (面积:120).
var FieldCommands = []string{CmdReport, CmdFollowUp, CmdWon, CmdLost, CmdMine}

// startsLine reports whether only spaces stand between the last line break
// and i (and there is a line break: the message's first line holds the command).
func (m *msg) startsLine(i int) bool {
	for j := i - 1; j >= 0; j-- {
		switch {
		case m.fold[j] == '\n':
			return true
		case !isSpaceRune(m.fold[j]):
			return false
		}
	}
	return false
}

// lineBreak reports whether a line ends between i and j.
func (m *msg) lineBreak(i, j int) bool {
	return i < j && strings.ContainsRune(string(m.fold[i:j]), '\n')
}

// splitKey splits "key:value" when key is known; value may be empty.
func (m *msg) splitKey(t span) (string, span) {
	if t.phone {
		return "", t
	}
	for i := t.start; i < t.end; i++ {
		if m.fold[i] == ':' {
			key := keyName(asciiLower(string(m.fold[t.start:i])))
			if key == "" {
				return "", t
			}
			return key, m.trimColons(span{start: i, end: t.end})
		}
	}
	for _, k := range gluedKeys { // 金额12800, 下次周五, 等级A
		v := span{start: t.start + baobei.RuneLen(k), end: t.end}
		if strings.HasPrefix(m.text(t), k) && v.start < v.end && validValue(keys[k], m.text(m.trimValue(v))) {
			return keys[k], v
		}
	}
	return "", t
}

// gluedKeys may be written without a colon when their value checks out:
// 金额12800, 下次周五, 等级A, 阶段报价; longest first.
var gluedKeys = []string{"成交金额", "下次跟进", "金额", "下次", "等级", "阶段"}

// validValue reports whether v is a good value of a checked key.
func validValue(key, v string) bool {
	switch key {
	case "金额":
		_, err := parseAmount(v)
		return err == nil
	case "下次":
		_, err := ParseDate(v, time.Time{}, time.UTC)
		return err == nil
	case "等级":
		_, ok := gradeOf(v)
		return ok
	case "阶段":
		_, ok := baobei.ParseStage(v)
		return ok
	}
	return false
}

// spacedKey reports whether a bare key followed by a space takes the next
// token as its value (下次 周五, 金额 12800; on 报备 also 来源 抖音).
func (m *msg) spacedKey(cmd, key string, next span) bool {
	if next.phone || m.hasKey(next) {
		return false
	}
	switch key {
	case "金额", "下次", "等级", "阶段":
		return validValue(key, m.text(m.trimValue(next)))
	case "来源", "需求", "公司", "微信", "备注":
		return cmd == CmdReport
	}
	return false
}

// trimPunct drops the colon or sentence punctuation typed right after a
// command word: 报备：…, 成交！#3, 我的客户。
func (m *msg) trimPunct(s span) span {
	for s.start < s.end && strings.ContainsRune(":!。.,~～;?", m.fold[s.start]) {
		s.start++
	}
	return s
}

func (m *msg) trimColons(s span) span {
	for s.start < s.end && m.fold[s.start] == ':' {
		s.start++
	}
	return s
}

func (m *msg) bareKey(t span) bool { return !t.phone && m.keyOf(t) != "" }

func (m *msg) hasKey(t span) bool {
	k, _ := m.splitKey(t)
	return k != "" || m.bareKey(t)
}

func allDigits(s string) bool {
	for _, r := range s {
		if !isDigit(r) {
			return false
		}
	}
	return s != ""
}

// apply sets the fields named by keys; each key may come once.
func (m *msg) apply(c *Command, items []item, now time.Time, loc *time.Location, lim limits) error {
	seen := map[string]bool{}
	for _, it := range items {
		if it.key == "" {
			continue
		}
		fd, custom := baobei.FieldOf(it.key)
		if !slices.Contains(strings.Fields(uses[c.Name]), it.key) && !(custom && slices.Contains(FieldCommands, c.Name)) {
			c.Ignored = append(c.Ignored, m.line(span{start: it.from, end: it.val.end}))
			continue
		}
		if c.Name == CmdVisitReport && reportKeys[it.key] || it.key == "同行" {
			continue // read by the command's parser
		}
		if seen[it.key] {
			return baobei.Errorf(baobei.EINVALID, "「%s」写了两次，请只写一次。例如 %s", it.key, keyExample(it.key))
		}
		seen[it.key] = true
		if custom {
			v, err := fd.Parse(m.raw(it.val), now, loc, lim.field)
			if err != nil {
				return err
			}
			if c.Custom == nil {
				c.Custom = map[string]string{}
			}
			c.Custom[it.key] = v
			continue
		}
		if err := setField(c, it.key, m.raw(it.val), now, loc); err != nil {
			return err
		}
		c.StageExplicit = c.StageExplicit || it.key == "阶段" && it.colon
	}
	return nil
}

func setField(c *Command, key, v string, now time.Time, loc *time.Location) error {
	f := strings.TrimSpace(baobei.FoldWidth(v))
	switch key {
	case "来源":
		c.Source = v
	case "需求":
		c.Demand = v
	case "公司":
		c.Company = v
	case "微信":
		c.Wechat = v
	case "原因":
		c.Reason = v
	case "内容":
		c.Content = v
	case "姓名":
		c.CustName = v
	case "备注":
		c.Note = v
	case "商品":
		c.Items = v
	case "标签":
		t, err := baobei.ParseTag(v)
		if err != nil {
			return err
		}
		c.Tag = t
	case "目标":
		c.Goal = v
	case "地址":
		c.Address = v
	case "电话":
		ph, err := baobei.NormalizePhone(v)
		if err != nil {
			return err
		}
		return setPhone(c, ph)
	default:
		return setValue(c, key, f, now, loc)
	}
	return nil
}

// setValue sets the keys whose values are checked: 等级, 阶段, 下次, 金额, 日期.
func setValue(c *Command, key, f string, now time.Time, loc *time.Location) error {
	switch key {
	case "类型":
		k, ok := baobei.KindOf(f)
		if !ok {
			return baobei.Errorf(baobei.EINVALID, "跟进类型“%s”不认识。可选：电话、微信、拜访、到店、其他。例如 类型:电话", f)
		}
		c.Kind = k
	case "等级":
		g, ok := gradeOf(f)
		if !ok {
			return baobei.Errorf(baobei.EINVALID, "等级“%s”不对，只能是 A、B 或 C。例如 等级:A", f)
		}
		c.Grade = g
	case "阶段":
		st, ok := baobei.ParseStage(f)
		if !ok {
			return baobei.Errorf(baobei.EINVALID, "阶段“%s”不认识。可选：%s。例如 %s", f, baobei.StageList(), keyExample("阶段"))
		}
		c.Stage = string(st)
	case "下次":
		at, err := ParseDate(f, now, loc)
		if err != nil {
			return err
		}
		c.NextAt = &at
	case "日期":
		at, err := ParseBoughtDate(f, now, loc)
		if err != nil {
			return err
		}
		c.BoughtAt = &at
	case "金额":
		a, err := parseAmount(f)
		if err != nil {
			return err
		}
		c.Amount = &a
	}
	return nil
}

// gradeOf reads a grade: A, b, Ａ, A级.
func gradeOf(v string) (string, bool) { return baobei.ParseGrade(v) }

func setPhone(c *Command, ph string) error {
	if c.Phone != "" && c.Phone != ph {
		return baobei.Errorf(baobei.EINVALID, "识别到两个手机号 %s 和 %s，一条消息只能写一个。例如：%s", c.Phone, ph, examples[c.Name])
	}
	c.Phone = ph
	return nil
}

// currencies are the prefixes an amount may carry.
var currencies = []string{"¥", "rmb", "人民币", "cny"}

// isCurrency reports whether s starts with a currency sign or word.
func isCurrency(s string) bool {
	s = asciiLower(s)
	for _, c := range currencies {
		if strings.HasPrefix(s, c) {
			return true
		}
	}
	return false
}

// parseAmount reads yuan as cents: 12800, 12800.5, 12,800, ¥12,800.00,
// 12800元, 12800块, RMB 12800, 1.28万, 1.28w, 12.8k, 3千.
func parseAmount(s string) (int64, error) {
	t := asciiLower(strings.Join(strings.Fields(baobei.FoldWidth(s)), ""))
	for _, c := range currencies {
		t = strings.TrimPrefix(t, c)
	}
	t = trimAnySuffix(t, "元整", "块钱", "元", "块")
	unit, places := int64(100), 2
	if u := trimAnySuffix(t, "万", "w"); u != t {
		t, unit, places = u, 1000000, 6
	} else if u := trimAnySuffix(t, "千", "k"); u != t {
		t, unit, places = u, 100000, 5
	}
	t = ungroup(t)
	ip, fp, _ := strings.Cut(t, ".")
	if !allDigits(ip) || len(ip) > 12 || fp != "" && !allDigits(fp) || len(fp) > places {
		return 0, baobei.Errorf(baobei.EINVALID, "没看懂金额“%s”。请写元，例如 金额:12800 或 金额:1.28万", s)
	}
	n, _ := strconv.ParseInt(ip, 10, 64)
	cents := n * unit
	if fp != "" {
		f, _ := strconv.ParseInt(fp, 10, 64)
		cents += f * unit / pow10(len(fp))
	}
	if cents <= 0 || cents > 1e12 {
		return 0, baobei.Errorf(baobei.EINVALID, "金额“%s”不对：要大于0、不超过100亿元。例如 金额:12800", s)
	}
	return cents, nil
}

// ungroup drops thousands commas (12,800.5 → 12800.5) when every group
// after the first has three digits; otherwise s is left for the error.
func ungroup(s string) string {
	ip, fp, dot := strings.Cut(s, ".")
	groups := strings.Split(ip, ",")
	if len(groups) == 1 {
		return s
	}
	for i, g := range groups {
		if !allDigits(g) || i == 0 && len(g) > 3 || i > 0 && len(g) != 3 {
			return s
		}
	}
	if dot {
		return strings.Join(groups, "") + "." + fp
	}
	return strings.Join(groups, "")
}

func trimAnySuffix(s string, suffixes ...string) string {
	for _, suf := range suffixes {
		if t, ok := strings.CutSuffix(s, suf); ok {
			return t
		}
	}
	return s
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// limits are the policy's length limits.
type limits struct {
	name, field, content int
	need                 []string // what 报备 must carry
}

func policyLimits(p baobei.Policy) limits {
	return limits{p.NameMaxRunes, p.FieldMaxRunes, p.ContentMaxRunes, p.Report.Needs()}
}

// isTextField reports a custom text field, which takes the rest of its line
// when it starts one.
func isTextField(key string) bool {
	f, ok := baobei.FieldOf(key)
	return ok && f.Type == baobei.FieldText
}

// args reads the free tokens with the command's parser.
func (m *msg) args(c *Command, items []item, lim limits) error {
	spec := specs[c.Name]
	if !spec.noisy { // punctuation and emoji alone carry nothing here (成交 #3 12800 🎉)
		items = slices.DeleteFunc(items, func(it item) bool { return it.key == "" && m.noise(it.val) })
	}
	return spec.parse(m, c, items, lim)
}

// content reads the text of 跟进 (with its 备注).
func (m *msg) content(c *Command, items []item, ri int, _ limits) error {
	c.Content = m.verbatim(items, ri, "内容")
	if c.Note != "" {
		c.Content = strings.TrimSpace(c.Content + " " + c.Note)
		c.Note = ""
	}
	if c.Content == "" {
		return baobei.Errorf(baobei.EINVALID, "没有写跟进内容（客户：%s）。例如：%s", c.Ref, examples[CmdFollowUp])
	}
	if c.Kind == "" {
		c.Kind = baobei.KindLeading(c.Content)
	}
	return nil
}

// reason reads the rest as the reason (流失, 释放).
func (m *msg) reason(c *Command, items []item, ri int, _ limits) error {
	c.Reason = m.verbatim(items, ri, "原因")
	return nil
}

// amount reads 改金额 #3 金额:13800 原因:合同补签: the new amount, and the
// reason (原因: or the free text after the customer).
func (m *msg) amount(c *Command, items []item, ri int, _ limits) error {
	c.Reason = m.verbatim(items, ri, "原因")
	if c.Amount == nil {
		return baobei.Errorf(baobei.EINVALID, "请写正确的成交金额和原因，例如：%s", examples[CmdAmount])
	}
	return nil
}

// ignoreRest reports the free tokens after the customer as ignored.
func (m *msg) ignoreRest(c *Command, items []item, ri int, _ limits) error {
	m.ignoreFree(c, items, ri)
	return nil
}

// ignoreFree records the free tokens after the customer that the command
// does not read.
// keysOnly reads a command that takes keys (我的客户 标签:…) and no free
// text: free text is reported as ignored.
func (m *msg) keysOnly(c *Command, items []item, _ limits) error {
	keys := c.Ignored // the keys it does not read, ignored by apply
	c.Ignored = nil
	m.ignoreFree(c, items, -1)
	c.Ignored = append(c.Ignored, keys...) // free text first, as typed first
	return nil
}

func (m *msg) ignoreFree(c *Command, items []item, ri int) {
	for i, it := range items {
		if i != ri && it.key == "" {
			c.Ignored = append(c.Ignored, m.line(it.val))
		}
	}
}

// days reads the N天 of 延期 (1 to 365).
func (m *msg) days(c *Command, items []item, ri int, _ limits) error {
	for i, it := range items {
		if i == ri || it.key != "" {
			continue
		}
		t := chineseDigits(m.text(it.val))
		if t == "天" && c.Days != 0 && i > 0 && items[i-1].key == "" {
			continue // 15 天
		}
		t = strings.TrimSuffix(strings.TrimSuffix(t, "天"), "日")
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 365 || c.Days != 0 {
			return baobei.Errorf(baobei.EINVALID, "延期天数没看懂（“%s”）。请写 1 到 365 之间的天数，例如：%s", m.raw(it.val), examples[CmdExtend])
		}
		c.Days = n
	}
	if c.Days == 0 {
		return baobei.Errorf(baobei.EINVALID, "请写延期几天，例如：%s", examples[CmdExtend])
	}
	return nil
}

// decision reads 同意 / 驳回: the approval number (A12, #12 or 12) and, for
// 驳回, the reason.
func (m *msg) decision(c *Command, items []item, _ limits) error {
	ri := firstFree(items, func(span) bool { return true })
	if ri < 0 {
		return baobei.Errorf(baobei.EINVALID, "请写审批编号，例如：%s。发「审批」查看待审批的编号。", examples[c.Name])
	}
	t := strings.TrimPrefix(strings.TrimPrefix(strings.ToUpper(m.text(items[ri].val)), "A"), "#")
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || !allDigits(t) {
		return baobei.Errorf(baobei.EINVALID, "“%s”不是审批编号。例如：%s。发「审批」查看待审批的编号。", m.raw(items[ri].val), examples[c.Name])
	}
	c.Number, c.Ref = n, m.raw(items[ri].val)
	if c.Name == CmdReject && c.Reason == "" {
		c.Reason = m.verbatim(items, ri, "原因")
	} else if c.Name == CmdApprove {
		m.ignoreFree(c, items, ri)
	}
	return nil
}

// grade reads 等级 #3 A (also 等级 A #3, 等级 #3 等级:A): the customer and
// the new grade.
func (m *msg) grade(c *Command, items []item, lim limits) error {
	isGrade := func(s span) bool { _, ok := gradeOf(m.text(m.trimValue(s))); return ok && !s.phone }
	ri := firstFree(items, func(s span) bool { return !isGrade(s) })
	if ri < 0 {
		return baobei.Errorf(baobei.EINVALID, "没有写是哪个客户。请写手机号、称呼或编号，例如：%s", examples[CmdGrade])
	}
	if err := m.setRef(c, items[ri].val, lim); err != nil {
		return err
	}
	for i, it := range items {
		if i == ri || it.key != "" {
			continue
		}
		if !isGrade(it.val) || c.Grade != "" {
			return baobei.Errorf(baobei.EINVALID, "没看懂“%s”。等级只能是 A、B 或 C，例如：%s", m.raw(it.val), examples[CmdGrade])
		}
		c.Grade, _ = gradeOf(m.text(m.trimValue(it.val)))
	}
	if c.Grade == "" {
		return baobei.Errorf(baobei.EINVALID, "要改成哪个等级（A、B 或 C）？例如：%s", examples[CmdGrade])
	}
	return nil
}

// firstFree returns the index of the first free item that ok accepts, or -1.
func firstFree(items []item, ok func(span) bool) int {
	for i, it := range items {
		if it.key == "" && ok(it.val) {
			return i
		}
	}
	return -1
}

// report: every phone token is the phone, the first other free token with
// a letter or digit the name, the rest (and 备注:, and the keys 报备 does not
// read) the note, which is kept in 需求. Punctuation and emoji alone are no text.
func (m *msg) report(c *Command, items []item, lim limits) error {
	var note []string
	if c.Note != "" {
		note = append(note, c.Note)
	}
	noise, named := "", -1 // named: the index of the name's token
	for i, it := range items {
		if it.key != "" {
			continue
		}
		ph, isPhone, err := m.phoneOf(it.val)
		switch {
		case err != nil:
			return err
		case isPhone:
			if err := setPhone(c, ph); err != nil {
				return err
			}
		case m.noise(it.val):
			noise = m.raw(it.val)
		case c.CustName == "":
			name, rest := m.nameOf(it.val)
			c.CustName, named = m.raw(name), i
			if rest.start < rest.end {
				note = append(note, m.raw(rest))
			}
		case named == i-1 && baobei.RuneLen(c.CustName) == 1 && honorific(m.text(it.val)):
			c.CustName += m.raw(it.val) // 张 先生
		default:
			note = append(note, m.raw(m.trimValue(it.val)))
		}
	}
	if c.CustName == "" {
		c.CustName = noise
	}
	note = append(note, c.Ignored...)
	c.Ignored = nil
	c.Note = strings.Join(note, " ")
	c.Demand = strings.TrimSpace(c.Demand + " " + c.Note)
	return checkReport(c, lim)
}

// honorific reports whether s is a form of address that follows a surname.
func honorific(s string) bool {
	return slices.Contains([]string{"先生", "女士", "小姐", "总", "经理", "老板", "太太", "阿姨", "姐", "哥", "老师", "工"}, s)
}

// noise reports whether a token is only punctuation, symbols or emoji.
func (m *msg) noise(s span) bool {
	for _, r := range m.fold[s.start:s.end] {
		if !isNoise(r) {
			return false
		}
	}
	return true
}

// nameOf cuts the name out of its token: noise around it goes, and a
// bracket opened after it starts the note (张先生（老客户介绍）).
func (m *msg) nameOf(s span) (name, rest span) {
	name, rest = s, span{start: s.end, end: s.end}
	for i := s.start + 1; i < s.end; i++ {
		if _, ok := openers[m.fold[i]]; ok {
			name.end, rest.start = i, i
			break
		}
	}
	if t := m.trimNoise(name); t.start < t.end {
		name = t
	}
	return name, m.trimNoise(rest)
}

func checkReport(c *Command, lim limits) error {
	if c.Phone == "" {
		return baobei.Errorf(baobei.EINVALID, "没有识别到手机号。报备要写客户的11位手机号，例如：%s", examples[CmdReport])
	}
	if strings.TrimSpace(c.CustName) == "" && !slices.Contains(lim.need, "姓名") {
		c.CustName = "客户" + c.Phone[len(c.Phone)-4:] // as an import names a row without one
	}
	for _, k := range lim.need {
		if !reportHas(c, k) {
			return baobei.Errorf(baobei.EINVALID, "报备还需要写%s。请加上 %s，例如：报备 %s 张先生 %s", k, keyExample(k), c.Phone, keyExample(k))
		}
	}
	switch {
	case strings.TrimSpace(c.CustName) == "":
		return baobei.Errorf(baobei.EINVALID, "请写上客户称呼，例如：报备 %s 张先生", c.Phone)
	case !hasWord(c.CustName) && !allDigits(baobei.FoldWidth(c.CustName)):
		return baobei.Errorf(baobei.EINVALID, "客户称呼“%s”里没有文字。请写客户的称呼，例如：报备 %s 张先生", c.CustName, c.Phone)
	case allDigits(baobei.FoldWidth(c.CustName)):
		return baobei.Errorf(baobei.EINVALID, "客户称呼“%s”不能全是数字。例如：报备 %s 张先生", c.CustName, c.Phone)
	case baobei.RuneLen(c.CustName) > lim.name:
		return baobei.Errorf(baobei.EINVALID, "客户称呼太长（%d个字，最多%d个）。例如：报备 %s 张先生",
			baobei.RuneLen(c.CustName), lim.name, c.Phone)
	}
	return nil
}

// reportHas reports whether a 报备 carries key k of policy.report.required.
func reportHas(c *Command, k string) bool {
	v := map[string]string{"电话": c.Phone, "姓名": "-", "来源": c.Source, "需求": c.Demand, "公司": c.Company, "微信": c.Wechat, "等级": c.Grade}
	if got, ok := v[k]; ok {
		return strings.TrimSpace(got) != "" // 姓名 has its own replies
	}
	return c.Custom[k] != ""
}

// phoneOf tells whether a free token is a phone, or tries to be one.
func (m *msg) phoneOf(s span) (string, bool, error) {
	if !s.phone && !looksLikePhone(m.text(s)) {
		return "", false, nil
	}
	ph, err := baobei.NormalizePhone(m.raw(s))
	return ph, true, err
}

// looksLikePhone spots mistyped phones: 10 to 15 digits (with - + ( )), or
// at least 5 digits with one or two letters (1380013800a).
func looksLikePhone(t string) bool {
	digits, letters := 0, 0
	for _, r := range t {
		switch {
		case isDigit(r):
			digits++
		case isLetter(r):
			letters++
		case !strings.ContainsRune("+-()", r):
			return false
		}
	}
	if letters == 0 {
		return digits >= 10 && digits <= 15
	}
	return digits >= 5 && letters <= 2
}

// setRef reads the customer reference: a phone, #N or N (≤ 6 digits), or a name.
func (m *msg) setRef(c *Command, s span, lim limits) error {
	if t := m.trimValue(s); t.start < t.end && !s.phone {
		s = t
	}
	c.Ref = m.raw(s)
	ph, isPhone, err := m.phoneOf(s)
	if err != nil {
		return err
	}
	if isPhone {
		return setPhone(c, ph)
	}
	t := m.text(s)
	if num, ok := strings.CutPrefix(t, "#"); ok || allDigits(t) {
		n, err := strconv.ParseInt(num, 10, 64)
		if !allDigits(num) || len(num) > 6 || err != nil || n == 0 {
			return baobei.Errorf(baobei.EINVALID, "“%s”既不是手机号也不是客户编号（编号是1到6位数字）。例如：%s", c.Ref, examples[c.Name])
		}
		c.Number = n
		return nil
	}
	if baobei.RuneLen(c.Ref) > lim.name {
		return baobei.Errorf(baobei.EINVALID, "客户称呼“%s…”太长（最多%d个字）。请写手机号、称呼或编号，例如：%s",
			string([]rune(c.Ref)[:lim.name]), lim.name, examples[c.Name])
	}
	return nil
}

// verbatim returns the free text (and the value of key) as typed: tokens
// that follow each other keep the characters between them; separate runs
// are joined by a space. skip is the reference's index.
func (m *msg) verbatim(items []item, skip int, key string) string {
	var runs []string
	start := -1
	flush := func(end int) {
		if start >= 0 {
			runs = append(runs, string(m.orig[items[start].val.start:items[end].val.end]))
			start = -1
		}
	}
	for i, it := range items {
		in := i != skip && (it.key == "" || it.key == key)
		if !in || it.key == key {
			flush(i - 1)
		}
		if in && start < 0 {
			start = i
		}
	}
	flush(len(items) - 1)
	return strings.Join(runs, " ")
}

// wonAmount reads a bare amount after the reference: 成交 13800138000 12800元.
func (m *msg) wonAmount(c *Command, items []item, ri int, _ limits) error {
	for i, it := range items {
		if i == ri || it.key != "" {
			continue
		}
		t := m.text(m.trimValue(it.val))
		if !isDigit(m.fold[it.val.start]) && !isCurrency(t) {
			return baobei.Errorf(baobei.EINVALID, "%s后面只写客户和金额，没看懂“%s”。例如：%s", specs[c.Name].Words[0], m.raw(it.val), examples[c.Name])
		}
		if c.Amount != nil {
			return baobei.Errorf(baobei.EINVALID, "金额写了两次（“%s”）。例如：%s", m.raw(it.val), examples[c.Name])
		}
		a, err := parseAmount(t)
		if err != nil {
			return err
		}
		c.Amount = &a
	}
	return nil
}

// target reads the @user of 转移; 领取 takes nothing after the customer.
func (m *msg) target(c *Command, items []item, ri int, lim limits) error {
	for i, it := range items {
		if i == ri || it.key != "" {
			continue
		}
		if c.Name != CmdClaim && slices.Contains([]string{"给", "转给", "交给", "到", "转到"}, m.text(it.val)) {
			continue // 转移 #3 给 @李四, 分配 #3 给 @李四
		}
		if c.Name == CmdClaim || !m.isMention(it.val) || c.Target != "" {
			return baobei.Errorf(baobei.EINVALID, "没看懂“%s”。例如：%s", m.raw(it.val), examples[c.Name])
		}
		name, err := m.mention(it.val, lim)
		if err != nil {
			return err
		}
		c.Target = name
	}
	if c.Name != CmdClaim && c.Target == "" {
		return baobei.Errorf(baobei.EINVALID, "要给谁？请用 @ 写上接收人，例如：%s %s @李四", specs[c.Name].Words[0], c.Ref)
	}
	return nil
}

// tags reads 标签 #3 高意向 -老客户: tags to add, and with a minus to remove.
func (m *msg) tags(c *Command, items []item, ri int, _ limits) error {
	for i, it := range items {
		if i == ri || it.key != "" {
			continue
		}
		raw := m.raw(it.val)
		const minus = "-－—–−" // a minus as phones and IMEs type it
		remove := strings.ContainsAny(string([]rune(raw)[0]), minus)
		t, err := baobei.ParseTag(strings.TrimLeft(raw, minus))
		if err != nil {
			return err
		}
		if remove {
			c.RemoveTags = append(c.RemoveTags, t)
		} else {
			c.Tags = append(c.Tags, t)
		}
	}
	if len(c.Tags)+len(c.RemoveTags) == 0 {
		return baobei.Errorf(baobei.EINVALID, "请写要加的标签（去掉一个标签在前面加 -），例如：%s", examples[CmdTag])
	}
	return nil
}

// away reads 请假 [@张三] 3天 and 销假 [@张三]: whose leave (nobody
// named: the sender's) and, for 请假, how many days (1 to 90).
func (m *msg) away(c *Command, items []item, lim limits) error {
	for _, it := range items {
		if it.key != "" {
			continue
		}
		if m.isMention(it.val) && c.Target == "" {
			name, err := m.mention(it.val, lim)
			if err != nil {
				return err
			}
			c.Target = name
			continue
		}
		t := strings.TrimSuffix(chineseDigits(m.text(it.val)), "天")
		n, err := strconv.Atoi(t)
		if c.Name == CmdBack || err != nil || n < 1 || n > 90 || c.Days != 0 {
			return baobei.Errorf(baobei.EINVALID, "没看懂“%s”。例如：%s", m.raw(it.val), examples[c.Name])
		}
		c.Days = n
	}
	if c.Name == CmdAway && c.Days == 0 {
		return baobei.Errorf(baobei.EINVALID, "请写请假几天（1 到 90），例如：%s", examples[CmdAway])
	}
	return nil
}

// handover reads 交接 @张三 @李四: the giving user, then the receiving one.
func (m *msg) handover(c *Command, items []item, lim limits) error {
	var names []string
	for _, it := range items {
		if it.key != "" {
			continue
		}
		if !m.isMention(it.val) || len(names) == 2 {
			return baobei.Errorf(baobei.EINVALID, "没看懂“%s”。交接要写两个人：交出的人和接收的人，例如：%s", m.raw(it.val), examples[CmdHandover])
		}
		name, err := m.mention(it.val, lim)
		if err != nil {
			return err
		}
		names = append(names, name)
	}
	if len(names) < 2 {
		return baobei.Errorf(baobei.EINVALID, "交接要用 @ 写两个人：交出的人和接收的人，例如：%s", examples[CmdHandover])
	}
	if names[0] == names[1] {
		return baobei.Errorf(baobei.EINVALID, "交出的人和接收的人都是 %s。例如：%s", names[0], examples[CmdHandover])
	}
	c.Ref, c.Target = names[0], names[1]
	return nil
}

func (m *msg) isMention(s span) bool { return m.fold[s.start] == '@' }

// mention returns the user name of an @name token.
func (m *msg) mention(s span, lim limits) (string, error) {
	name := string(m.orig[s.start+1 : s.end])
	if name == "" || strings.ContainsAny(baobei.FoldWidth(name), "@") || baobei.RuneLen(name) > lim.name {
		return "", baobei.Errorf(baobei.EINVALID, "没看懂“%s”，@ 后面写一个人的名字。例如：%s", m.raw(s), examples[CmdTransfer])
	}
	return name, nil
}

// checkLimits enforces the policy's length limits on free-text fields.
func checkLimits(c *Command, lim limits) error {
	fields := []struct{ key, v string }{
		{"来源", c.Source}, {"需求", c.Demand}, {"公司", c.Company}, {"微信", c.Wechat}, {"原因", c.Reason},
		{"目标", c.Goal}, {"地址", c.Address}, {"预算", c.Report.Budget}, {"决策链", c.Report.DecisionChain}, {"竞品", c.Report.Competitors},
	}
	for _, f := range fields {
		if n := baobei.RuneLen(f.v); n > lim.field {
			return baobei.Errorf(baobei.EINVALID, "「%s」太长（%d个字，最多%d个），请精简后再发。例如 %s", f.key, n, lim.field, keyExample(f.key))
		}
	}
	if n := baobei.RuneLen(c.CustName); n > lim.name {
		return baobei.Errorf(baobei.EINVALID, "客户称呼太长（%d个字，最多%d个）。例如 姓名:张先生", n, lim.name)
	}
	if n := baobei.RuneLen(c.Content + c.Report.Text()); n > lim.content {
		return baobei.Errorf(baobei.EINVALID, "跟进内容太长（%d个字，最多%d个），请分几条发。例如：%s", n, lim.content, examples[CmdFollowUp])
	}
	return nil
}
