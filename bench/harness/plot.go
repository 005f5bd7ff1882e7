package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

var (
	colorOurs = "#1f77b4"
	colorAMQ  = "#ff7f0e"
)

type plotBar struct {
	label    string
	ours     float64
	activemq float64
}

func (h *harness) plotBars() []plotBar {
	var bars []plotBar
	for _, x := range h.res.Rows {
		if !x.Plot || x.Unit != "msgs/s" {
			continue
		}
		p := plotBar{label: x.Name}
		if x.OursMedian != nil {
			p.ours = *x.OursMedian
		}
		if x.AMQMedian != nil {
			p.activemq = *x.AMQMedian
		}
		if p.ours > 0 || p.activemq > 0 {
			bars = append(bars, p)
		}
	}
	return bars
}

// plot writes a horizontal bar chart (log scale) of the throughput rows:
// an SVG rendered to PNG with rsvg-convert, or, without it, a PNG drawn
// with the standard library (bars only, no text).
func (h *harness) plot(pngPath string) error {
	bars := h.plotBars()
	if len(bars) == 0 {
		return errors.New("no throughput figures to plot")
	}
	svg := plotSVG(bars, h.res)
	svgPath := filepath.Join(h.work, strings.TrimSuffix(filepath.Base(pngPath), ".png")+".svg")
	if err := os.WriteFile(svgPath, []byte(svg), 0o644); err != nil {
		return err
	}
	if conv, err := exec.LookPath("rsvg-convert"); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, conv, "-b", "white", "-o", pngPath, svgPath).CombinedOutput()
		if err == nil {
			return nil
		}
		h.res.addNote("rsvg-convert failed (%v: %s); the plot has no labels", err, strings.TrimSpace(string(out)))
	} else {
		h.res.addNote("rsvg-convert (Debian librsvg2-bin) is not installed; the plot has no labels (the labelled SVG is %s)", svgPath)
	}
	return plotPNG(bars, pngPath)
}

const (
	plotW      = 1200
	plotLabelW = 470
	plotRight  = 150
	plotTop    = 80
	plotRowH   = 46
	plotBarH   = 16
)

func logRange(bars []plotBar) (lo, hi float64) {
	minV, maxV := math.Inf(1), 0.0
	for _, b := range bars {
		for _, v := range []float64{b.ours, b.activemq} {
			if v > 0 {
				minV = math.Min(minV, v)
				maxV = math.Max(maxV, v)
			}
		}
	}
	lo = math.Pow(10, math.Floor(math.Log10(minV)))
	hi = math.Pow(10, math.Ceil(math.Log10(maxV)))
	if hi <= lo {
		hi = lo * 10
	}
	return lo, hi
}

func plotSVG(bars []plotBar, r *results) string {
	lo, hi := logRange(bars)
	height := plotTop + len(bars)*plotRowH + 60
	x0, x1 := float64(plotLabelW), float64(plotW-plotRight)
	xOf := func(v float64) float64 {
		if v <= lo {
			return x0
		}
		return x0 + (math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo))*(x1-x0)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`+"\n", plotW, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	title := "amq vs ActiveMQ 5.17: throughput per scenario (msgs/s, log scale, median)"
	if r.Quick {
		title += " - QUICK run"
	}
	fmt.Fprintf(&b, `<text x="%d" y="28" font-size="18" font-weight="bold">%s</text>`+"\n", 20, html.EscapeString(title))
	fmt.Fprintf(&b, `<rect x="%d" y="44" width="14" height="14" fill="%s"/><text x="%d" y="56" font-size="13">amq</text>`+"\n", plotLabelW, colorOurs, plotLabelW+20)
	fmt.Fprintf(&b, `<rect x="%d" y="44" width="14" height="14" fill="%s"/><text x="%d" y="56" font-size="13">ActiveMQ 5.17</text>`+"\n", plotLabelW+80, colorAMQ, plotLabelW+100)
	for i := range bars {
		if i%2 == 1 {
			fmt.Fprintf(&b, `<rect x="0" y="%d" width="%d" height="%d" fill="#f6f6f6"/>`+"\n", plotTop+i*plotRowH-4, plotW, plotRowH)
		}
	}
	// Grid lines at each decade.
	bottom := plotTop + len(bars)*plotRowH
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="#555" text-anchor="end">amq / ActiveMQ</text>`+"\n", plotW-10, plotTop-14)
	for v := lo; v <= hi*1.0001; v *= 10 {
		x := xOf(v)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x, plotTop-6, x, bottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="12" text-anchor="middle" fill="#555">%s</text>`+"\n", x, bottom+18, fmtVal(v, ""))
	}
	for i, p := range bars {
		y := plotTop + i*plotRowH
		if p.ours > 0 && p.activemq > 0 {
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" font-weight="bold" text-anchor="end" fill="#333">x%.2f</text>`+"\n", plotW-10, y+plotBarH+6, p.ours/p.activemq)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" text-anchor="end">%s</text>`+"\n", plotLabelW-10, y+plotBarH+6, html.EscapeString(shorten(p.label, 66)))
		for j, v := range []float64{p.ours, p.activemq} {
			yy := y + j*(plotBarH+2)
			col := colorOurs
			if j == 1 {
				col = colorAMQ
			}
			if v <= 0 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" fill="#888">n/a</text>`+"\n", x0+4, yy+plotBarH-4)
				continue
			}
			w := math.Max(xOf(v)-x0, 1)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", x0, yy, w, plotBarH, col)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" fill="#333">%s</text>`+"\n", x0+w+4, yy+plotBarH-4, fmtVal(v, ""))
		}
	}
	fmt.Fprintf(&b, `<text x="20" y="%d" font-size="12" fill="#555">%s</text>`+"\n", bottom+42,
		html.EscapeString(fmt.Sprintf("%d run(s) per broker, %s; shared, noisy machine. See RESULTS.md.", r.Runs, r.Started.UTC().Format("2006-01-02"))))
	b.WriteString("</svg>\n")
	return b.String()
}

// plotPNG draws the same bars without text.
func plotPNG(bars []plotBar, path string) error {
	lo, hi := logRange(bars)
	height := plotTop + len(bars)*plotRowH + 60
	img := image.NewRGBA(image.Rect(0, 0, plotW, height))
	fill := func(x0, y0, x1, y1 int, c color.RGBA) {
		for y := max(y0, 0); y < min(y1, height); y++ {
			for x := max(x0, 0); x < min(x1, plotW); x++ {
				img.SetRGBA(x, y, c)
			}
		}
	}
	fill(0, 0, plotW, height, color.RGBA{255, 255, 255, 255})
	ours := color.RGBA{0x1f, 0x77, 0xb4, 255}
	amq := color.RGBA{0xff, 0x7f, 0x0e, 255}
	x0, x1 := float64(plotLabelW), float64(plotW-plotRight)
	for v := lo; v <= hi*1.0001; v *= 10 {
		x := int(x0 + (math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo))*(x1-x0))
		fill(x, plotTop-6, x+1, plotTop+len(bars)*plotRowH, color.RGBA{0xdd, 0xdd, 0xdd, 255})
	}
	for i, p := range bars {
		y := plotTop + i*plotRowH
		for j, v := range []float64{p.ours, p.activemq} {
			if v <= lo {
				continue
			}
			w := int((math.Log10(v) - math.Log10(lo)) / (math.Log10(hi) - math.Log10(lo)) * (x1 - x0))
			c := ours
			if j == 1 {
				c = amq
			}
			yy := y + j*(plotBarH+2)
			fill(int(x0), yy, int(x0)+max(w, 1), yy+plotBarH, c)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
