package cards

import (
	"bytes"
	"image/png"
	"testing"

	"baobei"
)

// The funnel picture is drawn when a CJK font is found (Debian's
// fonts-wqy-microhei here, and in the Docker image); without one
// LoadCJKFont says so and summaries stay text only.
func TestFunnelPNG(t *testing.T) {
	f := LoadFonts("/no/such/font.ttf")
	if f.CJK == nil {
		t.Skip("no readable CJK font here (apt-get install fonts-droid-fallback): charts are off, as in production without one")
	}
	st := &baobei.Stats{Stages: map[baobei.Stage]int{baobei.StageNew: 12, baobei.StageContacted: 8, baobei.StageQuoted: 3, baobei.StageWon: 2}}
	b, err := FunnelPNG("销售一组 上周统计", st, f)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != 640 || img.Bounds().Dy() < 300 {
		t.Fatalf("funnel PNG: %v %v", img.Bounds(), err)
	}
	blue := 0
	for y := 0; y < img.Bounds().Dy(); y++ {
		if r, g, bl, _ := img.At(200, y).RGBA(); r>>8 == 37 && g>>8 == 99 && bl>>8 == 235 {
			blue++
		}
	}
	if blue == 0 {
		t.Fatal("no bars drawn")
	}
}
