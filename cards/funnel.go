package cards

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"

	"baobei"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// CJKFonts are where Debian keeps fonts with Chinese glyphs
// (fonts-droid-fallback, fonts-noto-cjk, fonts-wqy-microhei). x/image reads
// TrueType and OpenType; a font it cannot read (wqy-microhei's collection
// has unaligned tables) is passed over.
var CJKFonts = []string{
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
}

// LatinFonts draw digits and Latin text, which CJK fallback fonts lack.
var LatinFonts = []string{
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
	"/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
}

// Fonts is what a chart is drawn with: CJK for Chinese, Latin (when found)
// for digits and punctuation.
type Fonts struct{ CJK, Latin *opentype.Font }

// LoadFonts finds the chart fonts; CJK is nil when none is readable (charts
// are then left out and the text summaries stand alone).
func LoadFonts(cjkPath string) Fonts {
	return Fonts{CJK: loadFont(append([]string{cjkPath}, CJKFonts...)), Latin: loadFont(LatinFonts)}
}

func loadFont(paths []string) *opentype.Font {
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if p == "" || err != nil {
			continue
		}
		if c, err := opentype.ParseCollection(b); err == nil {
			if f, err := c.Font(0); err == nil {
				return f
			}
		}
		if f, err := opentype.Parse(b); err == nil {
			return f
		}
	}
	return nil
}

// FunnelPNG draws the funnel of st: one bar per stage, widths by customers,
// with the stage, the count and the conversion from the stage before.
func FunnelPNG(title string, st *baobei.Stats, fonts Fonts) ([]byte, error) {
	const w, rowH, top = 640, 44, 56
	stages := baobei.FunnelStages()
	img := image.NewRGBA(image.Rect(0, 0, w, top+rowH*len(stages)+16))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	face, err := newFace(fonts)
	if err != nil {
		return nil, err
	}
	text(img, face, 16, 32, title, color.Black)
	most := 1
	for _, s := range stages {
		most = max(most, st.Stages[s])
	}
	reach := st.Reach()
	for i, s := range stages {
		y := top + i*rowH
		bar := (w - 240) * st.Stages[s] / most
		if st.Stages[s] > 0 {
			bar = max(bar, 4)
		}
		draw.Draw(img, image.Rect(120, y+6, 120+bar, y+rowH-6), image.NewUniform(color.RGBA{37, 99, 235, 255}), image.Point{}, draw.Src)
		text(img, face, 16, y+28, string(s), color.Black)
		label := fmt.Sprintf("%d", st.Stages[s])
		if i > 0 && reach[i-1] > 0 {
			label += fmt.Sprintf("  转化 %d%%", reach[i]*100/reach[i-1])
		}
		text(img, face, 130+bar, y+28, label, color.RGBA{55, 65, 81, 255})
	}
	var buf bytes.Buffer
	err = png.Encode(&buf, img)
	return buf.Bytes(), err
}

// face draws ASCII and general punctuation with the Latin font, the rest
// with the CJK font.
type face struct{ cjk, latin font.Face }

func newFace(fonts Fonts) (*face, error) {
	opts := &opentype.FaceOptions{Size: 16, DPI: 72, Hinting: font.HintingFull}
	cjk, err := opentype.NewFace(fonts.CJK, opts)
	if err != nil {
		return nil, err
	}
	f := &face{cjk: cjk, latin: cjk}
	if fonts.Latin != nil {
		if f.latin, err = opentype.NewFace(fonts.Latin, opts); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (f *face) of(r rune) font.Face {
	if r < 0x80 || (r >= 0x2000 && r <= 0x206f) {
		return f.latin
	}
	return f.cjk
}

func text(img draw.Image, f *face, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Dot: fixed.P(x, y)}
	for _, r := range s {
		d.Face = f.of(r)
		d.DrawString(string(r))
	}
}
