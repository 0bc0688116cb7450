package dash

import (
	"bytes"
	"crypto/sha256"
	"os"
	"strconv"
	"strings"
	"testing"
)

const droid = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"

// fonts are the fonts to render with: the library default, and Droid Sans
// Fallback (CJK) when installed.
func fonts(t *testing.T) map[string][]byte {
	fs := map[string][]byte{"default": nil}
	if b, err := os.ReadFile(droid); err == nil {
		fs["droid"] = b
	} else {
		t.Logf("no %s, rendering with the default font only", droid)
	}
	return fs
}

// checkSVG fails unless b is one 600×300 SVG document, drawn with the font
// when one is given, with a <text> element for each of texts.
func checkSVG(t *testing.T, b []byte, font []byte, texts ...string) string {
	t.Helper()
	s := string(bytes.TrimSpace(b))
	if !strings.HasPrefix(s, "<svg") || !strings.HasSuffix(s, "</svg>") || strings.Count(s, "<svg") != 1 {
		t.Fatalf("not an SVG document: %.80q…", s)
	}
	if !strings.Contains(s, `viewBox="0 0 600 300"`) {
		t.Errorf("want a 600×300 viewBox: %.200q", s)
	}
	if font != nil && !strings.Contains(s, "font-family:'Droid Sans Fallback'") {
		t.Errorf("text not set in the given font")
	}
	for _, x := range texts {
		if !strings.Contains(s, ">"+x+"</text>") {
			t.Errorf("no <text> %q", x)
		}
	}
	return s
}

func TestBarSVG(t *testing.T) {
	labels := []string{"新线索", "已联系", "需求确认", "报价", "签约", "已成交"}
	for name, font := range fonts(t) {
		t.Run(name, func(t *testing.T) {
			b, err := BarSVG("销售漏斗", labels, []float64{120, 80, 45, 30, 12, 9.5}, font)
			if err != nil {
				t.Fatal(err)
			}
			// every stage is labelled, every bar carries its value
			checkSVG(t, b, font, append(labels, "销售漏斗", "120", "80", "45", "30", "12", "9.5")...)
		})
	}
}

func TestLineSVG(t *testing.T) {
	weeks := make([]string, 12)
	for i := range weeks {
		weeks[i] = "第" + strconv.Itoa(i+1) + "周"
	}
	series := []Series{
		{"新增", []float64{5, 8, 3, 9, 12, 7, 6, 10, 4, 8, 11, 37}},
		{"成交", []float64{1, 2, 0, 3, 2, 1, 4, 2, 1, 3, 2, 5}},
	}
	for name, font := range fonts(t) {
		t.Run(name, func(t *testing.T) {
			b, err := LineSVG("近12周", weeks, series, font)
			if err != nil {
				t.Fatal(err)
			}
			// the library may thin out the x labels, but keeps the ends
			s := checkSVG(t, b, font, "近12周", "新增", "成交", weeks[0], weeks[11])
			if n := strings.Count(s, "<path"); n < 2+12 {
				t.Errorf("%d paths, want at least the two lines and the grid", n)
			}
			// the value axis is numbered, up to at least the largest value
			top := -1.0
			for _, el := range strings.Split(s, "</text>") {
				if v, err := strconv.ParseFloat(el[strings.LastIndexByte(el, '>')+1:], 64); err == nil {
					top = max(top, v)
				}
			}
			if top < 37 || top > 60 {
				t.Errorf("value axis tops at %v, want 37…60", top)
			}
		})
	}
}

func TestChartErrors(t *testing.T) {
	if _, err := BarSVG("x", []string{"a"}, []float64{1, 2}, nil); err == nil {
		t.Error("BarSVG: no error for 1 label, 2 values")
	}
	if _, err := BarSVG("x", nil, nil, nil); err == nil {
		t.Error("BarSVG: no error for no values")
	}
	if _, err := LineSVG("x", []string{"a", "b"}, []Series{{"s", []float64{1}}}, nil); err == nil {
		t.Error("LineSVG: no error for a short series")
	}
	if _, err := LineSVG("x", []string{"a"}, nil, nil); err == nil {
		t.Error("LineSVG: no error for no series")
	}
	// not a font; a CFF OpenType header, which golang/freetype cannot read
	for _, font := range [][]byte{[]byte("not a font at all"), append([]byte("OTTO"), make([]byte, 64)...)} {
		if _, err := BarSVG("x", []string{"a"}, []float64{1}, font); err == nil {
			t.Errorf("no error for font %.4q", font)
		}
	}
}

func TestFontInstalledOnce(t *testing.T) {
	font, err := os.ReadFile(droid)
	if err != nil {
		t.Skip("no", droid)
	}
	a, err := fontFamily(font)
	if err != nil {
		t.Fatal(err)
	}
	n := len(installed)
	if _, ok := installed[sha256.Sum256(font)]; !ok {
		t.Fatal("font not in the cache")
	}
	b, err := fontFamily(bytes.Clone(font))
	if err != nil || a != b || len(installed) != n {
		t.Errorf("second install: %q, %v, %d fonts; want %q, nil, %d", b, err, len(installed), a, n)
	}
}
