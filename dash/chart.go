// Package dash renders the charts of the manager's web dashboard.
package dash

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/go-analyze/charts"
)

// Chart size in SVG user units (the viewBox); the page scales it with CSS
// width:100%.
const width, height = 600, 300

// Series is one line of a LineSVG chart: a value per x label.
type Series struct {
	Name   string
	Values []float64
}

var (
	fontMu    sync.Mutex
	installed = map[[32]byte]error{} // InstallFont's result, by the hash of the font bytes
	lastFont  []byte                 // the font of the last call, its name and hash
	lastName  string
	lastSum   [32]byte
)

// fontFamily installs font with the chart library once per distinct bytes and
// returns its family name ("" for nil: the library default). The library
// parses with golang/freetype: TrueType outlines (.ttf, or the first font of a
// .ttc) only; CFF-based OpenType (.otf, NotoSansCJK's .ttc) is refused.
func fontFamily(font []byte) (string, error) {
	if font == nil {
		return "", nil
	}
	fontMu.Lock()
	defer fontMu.Unlock()
	if len(font) == len(lastFont) && &font[0] == &lastFont[0] { // the same bytes as last time: skip hashing a 4 MB font per chart
		return lastName, installed[lastSum]
	}
	sum := sha256.Sum256(font)
	name := fmt.Sprintf("dash-%x", sum[:8])
	lastFont, lastName, lastSum = font, name, sum
	err, ok := installed[sum]
	if !ok {
		if err = charts.InstallFont(name, font); err != nil {
			err = fmt.Errorf("dash: font: %w", err)
		}
		installed[sum] = err
	}
	return name, err
}

// number prints v to at most 2 decimals, without trailing zeros: 120, 12.5.
// (The library's own formatter pads to "120.00" with go-humanize v1.1.0.)
func number(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) }

// render draws a chart with draw on a new SVG painter. text is the style for
// labels (12pt, 16px: still legible with the chart shrunk to a phone's width),
// heading for the title.
func render(font []byte, draw func(p *charts.Painter, text, heading charts.FontStyle) error) ([]byte, error) {
	opts := charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: width, Height: height}
	if name, err := fontFamily(font); err != nil {
		return nil, err
	} else if name != "" {
		opts.Font = charts.GetFont(name)
	}
	p := charts.NewPainter(opts)
	text := charts.FontStyle{FontSize: 12, Font: opts.Font}
	if err := draw(p, text, text.WithSize(14)); err != nil {
		return nil, fmt.Errorf("dash: chart: %w", err)
	}
	return p.Bytes()
}

// BarSVG renders a vertical bar chart of values under labels, each bar
// topped with its value, as an SVG document.
func BarSVG(title string, labels []string, values []float64, font []byte) ([]byte, error) {
	if len(values) == 0 || len(labels) != len(values) {
		return nil, fmt.Errorf("dash: bar chart needs a label per value, have %d labels, %d values", len(labels), len(values))
	}
	return render(font, func(p *charts.Painter, text, heading charts.FontStyle) error {
		opt := charts.NewBarChartOptionWithData([][]float64{values})
		opt.Title = charts.TitleOption{Text: title, FontStyle: heading}
		opt.CategoryAxis.Labels = labels
		opt.CategoryAxis.LabelFontStyle = text
		opt.CategoryAxis.LabelCount = len(labels) // every bar keeps its label
		opt.ValueAxis = []charts.ValueAxisOption{{LabelFontStyle: text}}
		opt.ValueFormatter = number
		opt.SeriesList[0].Label = charts.SeriesLabel{Show: charts.Ptr(true), FontStyle: text, ValueFormatter: number}
		return p.BarChart(opt)
	})
}

// LineSVG renders one line per series over xLabels, with a legend of the
// series names, as an SVG document. Each series needs a value per x label.
func LineSVG(title string, xLabels []string, series []Series, font []byte) ([]byte, error) {
	if len(series) == 0 || len(xLabels) == 0 {
		return nil, errors.New("dash: line chart needs x labels and series")
	}
	values, names := make([][]float64, len(series)), make([]string, len(series))
	for i, s := range series {
		if len(s.Values) != len(xLabels) {
			return nil, fmt.Errorf("dash: series %q has %d values for %d x labels", s.Name, len(s.Values), len(xLabels))
		}
		values[i], names[i] = s.Values, s.Name
	}
	return render(font, func(p *charts.Painter, text, heading charts.FontStyle) error {
		opt := charts.NewLineChartOptionWithData(values)
		opt.Title = charts.TitleOption{Text: title, FontStyle: heading}
		opt.XAxis.Labels = xLabels
		opt.XAxis.LabelFontStyle = text
		opt.YAxis = []charts.YAxisOption{{LabelFontStyle: text}}
		opt.ValueFormatter = number
		opt.Legend = charts.LegendOption{SeriesNames: names, FontStyle: text, Offset: charts.OffsetRight}
		return p.LineChart(opt)
	})
}

// CanUseFont reports whether the charts can be drawn with font.
func CanUseFont(font []byte) bool {
	_, err := fontFamily(font)
	return err == nil
}
