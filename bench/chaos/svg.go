package main

import (
	"fmt"
	"html"
	"math"
	"strings"
)

type svgPoint struct{ x, y float64 }

type svgSeries struct {
	name   string
	points []svgPoint
}

var svgColors = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd"}

// plotSVG draws the series as lines on shared axes, with ticks and a legend;
// the x range before shadeUntil is shaded (the warm-up).
func plotSVG(title, xlabel string, series []svgSeries, shadeUntil float64) string {
	const w, h, left, right, top, bottom = 640.0, 300.0, 60.0, 20.0, 30.0, 40.0
	minX, maxX, maxY := math.Inf(1), math.Inf(-1), 0.0
	for _, s := range series {
		for _, p := range s.points {
			minX, maxX, maxY = math.Min(minX, p.x), math.Max(maxX, p.x), math.Max(maxY, p.y)
		}
	}
	if math.IsInf(minX, 0) || maxX == minX {
		maxX = 1
	}
	minX = 0
	xstep := niceCeil(maxX / 6)
	maxX = math.Ceil(maxX/xstep) * xstep
	maxY = niceCeil(maxY * 1.1)
	if maxY == 0 {
		maxY = 1
	}
	px := func(x float64) float64 { return left + (x-minX)/(maxX-minX)*(w-left-right) }
	py := func(y float64) float64 { return h - bottom - y/maxY*(h-top-bottom) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="11">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.0f" y="18" font-size="13" font-weight="bold">%s</text>`+"\n", left, html.EscapeString(title))
	if shadeUntil > minX {
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#f0f0f0"/>`+"\n", left, top, px(shadeUntil)-left, h-top-bottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#888">warm-up</text>`+"\n", left+4, top+14)
	}
	for i := 0; i <= 4; i++ {
		y := maxY * float64(i) / 4
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", left, py(y), w-right, py(y))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n", left-5, py(y)+4, fmtNum(y))
	}
	for x := minX; x <= maxX+xstep/2; x += xstep {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", px(x), h-bottom+15, fmtNum(x))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", (left+w-right)/2, h-5, html.EscapeString(xlabel))
	fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="none" stroke="#888"/>`+"\n", left, top, w-left-right, h-top-bottom)
	for i, s := range series {
		color := svgColors[i%len(svgColors)]
		var pts []string
		for _, p := range s.points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(p.x), py(p.y)))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", color, strings.Join(pts, " "))
		fmt.Fprintf(&b, `<text x="%.0f" y="18" fill="%s">%s</text>`+"\n", w-right-70*float64(len(series)-i), color, html.EscapeString(s.name))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func fmtNum(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
