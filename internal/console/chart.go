package console

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
	"time"
)

// Charts are SVG drawn on the server: no script, no inline style (colours
// come from classes in console.css), a title and a description for screen
// readers, the axes labelled, and a data table under each chart, so nothing
// needs hovering to be read. Every drawn value is an element of class "pt".

const (
	chartW, chartH = 720.0, 220.0
	padL, padR     = 56.0, 8.0
	padT, padB     = 10.0, 26.0
)

// chartSeries is one named series of a chart, a value per step.
type chartSeries struct {
	Name   string
	Class  string
	Values []float64
}

type svgBuilder struct{ strings.Builder }

func (b *svgBuilder) f(format string, args ...any) { fmt.Fprintf(&b.Builder, format, args...) }

// open starts a chart's figure and SVG with its accessible name and axes.
func (b *svgBuilder) open(id, title string, labels []time.Time, top float64, series []chartSeries) {
	b.f(`<figure class="chart" id="chart-%s"><figcaption id="%s-t">%s</figcaption>`, id, id, html.EscapeString(title))
	b.f(`<svg class="chart-svg" viewBox="0 0 %g %g" role="img" aria-labelledby="%s-t %s-d" preserveAspectRatio="none">`, chartW, chartH, id, id)
	b.f(`<desc id="%s-d">%s</desc>`, id, html.EscapeString(describe(labels, series)))
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		y := yPos(v, top)
		b.f(`<line class="grid" x1="%g" x2="%g" y1="%.1f" y2="%.1f"/>`, padL, chartW-padR, y, y)
		b.f(`<text class="axis" x="%g" y="%.1f" text-anchor="end">%s</text>`, padL-4, y+4, axisNumber(v))
	}
	n := len(labels)
	ticks := min(n, 6)
	for k := 0; k < ticks; k++ {
		i := k * n / ticks
		b.f(`<text class="axis" x="%.1f" y="%g" text-anchor="middle">%s</text>`, xPos(i, n)+barWidth(n)/2, chartH-8, tickLabel(labels, i))
	}
}

// close ends the SVG and adds the legend (with each series' sum when totals)
// and the data table.
func (b *svgBuilder) close(labels []time.Time, series []chartSeries, totals bool) {
	b.WriteString(`</svg><ul class="legend">`)
	for _, s := range series {
		var sum float64
		for _, v := range s.Values {
			sum += v
		}
		total := ""
		if totals {
			total = axisNumber(sum)
		}
		b.f(`<li><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect class="%s" width="10" height="10"/></svg>%s <span class="num">%s</span></li>`,
			s.Class, html.EscapeString(s.Name), total)
	}
	b.WriteString(`</ul><details><summary>Data table</summary><table><thead><tr><th scope="col">Time (UTC)</th>`)
	for _, s := range series {
		b.f(`<th scope="col">%s</th>`, html.EscapeString(s.Name))
	}
	b.WriteString(`</tr></thead><tbody>`)
	for i, t := range labels {
		b.f(`<tr><th scope="row">%s</th>`, t.UTC().Format("2006-01-02 15:04"))
		for _, s := range series {
			b.f(`<td>%s</td>`, axisNumber(s.Values[i]))
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table></details></figure>`)
}

// stackedBars draws series stacked per step.
func stackedBars(id, title string, labels []time.Time, series []chartSeries) template.HTML {
	n := len(labels)
	var top float64
	for i := 0; i < n; i++ {
		var sum float64
		for _, s := range series {
			sum += s.Values[i]
		}
		top = max(top, sum)
	}
	top = niceCeil(top)
	var b svgBuilder
	b.open(id, title, labels, top, series)
	w := barWidth(n)
	for i := 0; i < n; i++ {
		var base float64
		for _, s := range series {
			v := s.Values[i]
			if v <= 0 {
				continue
			}
			y0, y1 := yPos(base, top), yPos(base+v, top)
			b.f(`<rect class="pt %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s %s: %s</title></rect>`,
				s.Class, xPos(i, n), y1, w, math.Max(y0-y1, 0.5), labels[i].UTC().Format("2006-01-02 15:04"), html.EscapeString(s.Name), axisNumber(v))
			base += v
		}
	}
	b.close(labels, series, true)
	return template.HTML(b.String()) //nolint:gosec // built here; every text is escaped
}

// lines draws each series as a line with a point per step.
func lines(id, title string, labels []time.Time, series []chartSeries) template.HTML {
	n := len(labels)
	var top float64
	for _, s := range series {
		for _, v := range s.Values {
			top = max(top, v)
		}
	}
	top = niceCeil(top)
	var b svgBuilder
	b.open(id, title, labels, top, series)
	w := barWidth(n)
	for _, s := range series {
		var pts []string
		for i, v := range s.Values {
			if v > 0 {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", xPos(i, n)+w/2, yPos(v, top)))
			}
		}
		if len(pts) > 1 {
			b.f(`<polyline class="line %s" points="%s"/>`, s.Class, strings.Join(pts, " "))
		}
		for i, v := range s.Values {
			if v > 0 {
				b.f(`<circle class="pt %s" cx="%.1f" cy="%.1f" r="3"><title>%s %s: %s ms</title></circle>`,
					s.Class, xPos(i, n)+w/2, yPos(v, top), labels[i].UTC().Format("2006-01-02 15:04"), html.EscapeString(s.Name), axisNumber(v))
			}
		}
	}
	b.close(labels, series, false)
	return template.HTML(b.String()) //nolint:gosec // built here; every text is escaped
}

// bar is a top list's inline bar: total, with its refused part.
func bar(total, refused, most int64) template.HTML {
	w := 120 * float64(total) / float64(max(most, 1))
	rw := 120 * float64(refused) / float64(max(most, 1))
	return template.HTML(fmt.Sprintf(`<svg class="bar" viewBox="0 0 120 10" aria-hidden="true"><rect class="c-allowed" width="%.1f" height="10"/><rect class="c-refused" width="%.1f" height="10"/></svg>`, w, rw)) //nolint:gosec // numbers only
}

func xPos(i, n int) float64 { return padL + (chartW-padL-padR)*float64(i)/float64(max(n, 1)) }

func barWidth(n int) float64 { return math.Max((chartW-padL-padR)/float64(max(n, 1))-1, 1) }

func yPos(v, top float64) float64 {
	if top <= 0 {
		return chartH - padB
	}
	return chartH - padB - (chartH-padT-padB)*v/top
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten (at least 1).
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func axisNumber(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v == math.Trunc(v):
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func tickLabel(labels []time.Time, i int) string {
	if len(labels) < 2 || labels[len(labels)-1].Sub(labels[0]) < 24*time.Hour {
		return labels[i].UTC().Format("15:04")
	}
	return labels[i].UTC().Format("Jan 2 15h")
}

// describe summarises a chart in words for screen readers.
func describe(labels []time.Time, series []chartSeries) string {
	if len(labels) == 0 {
		return "No data."
	}
	parts := make([]string, 0, len(series))
	for _, s := range series {
		var sum, peak float64
		for _, v := range s.Values {
			sum += v
			peak = max(peak, v)
		}
		parts = append(parts, fmt.Sprintf("%s: total %s, peak %s", s.Name, axisNumber(sum), axisNumber(peak)))
	}
	return fmt.Sprintf("From %s to %s UTC. %s.", labels[0].UTC().Format("2006-01-02 15:04"),
		labels[len(labels)-1].UTC().Format("2006-01-02 15:04"), strings.Join(parts, "; "))
}
