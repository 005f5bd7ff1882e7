package main

import (
	"fmt"
	"strings"
)

// target is one of the performance goals, checked against the medians of a
// run: ratio rows compare amq / ActiveMQ, value rows amq's own figure.
type target struct {
	goal  string
	keys  []string
	check func(r *row) (shown string, met bool)
}

func atLeast(x float64) func(*row) (string, bool) {
	return func(r *row) (string, bool) {
		if r.Ratio == nil {
			return "", false
		}
		return fmt.Sprintf("%.2fx", *r.Ratio), *r.Ratio >= x
	}
}

func atMost(x float64) func(*row) (string, bool) {
	return func(r *row) (string, bool) {
		if r.Ratio == nil {
			return "", false
		}
		return fmt.Sprintf("%.2f", *r.Ratio), *r.Ratio <= x
	}
}

func below(limit float64, unit string) func(*row) (string, bool) {
	return func(r *row) (string, bool) {
		if r.OursMedian == nil {
			return "", false
		}
		return fmt.Sprintf("%s %s", fmtVal(*r.OursMedian, ""), unit), *r.OursMedian < limit
	}
}

var targets = []target{
	{"non-persistent queue at least 3x", []string{"q11_np_20b", "q11_np_1k", "q11_np_64k", "q_10_10"}, atLeast(3)},
	{"topic fan-out at least 3x", []string{"t_1_4", "t_1_10"}, atLeast(3)},
	{"persistent with receipts at least 2x at every producer count", []string{"q_p_rcpt_1", "q_p_rcpt_4", "q_p_rcpt_16", "q_p_rcpt_64"}, atLeast(2)},
	{"client-individual ack at least 2x", []string{"q11_ci"}, atLeast(2)},
	{"p99 latency at 50% load at most a third", []string{"lat_p99"}, atMost(1.0 / 3)},
	{"resident memory at most a fifth", []string{"idle_kb_per_conn", "idle_rss_after", "bl_rss"}, atMost(0.2)},
	{"cold start under 100 ms", []string{"cold_first"}, below(100, "ms")},
}

// targetsSection renders the goals as met or not, row by row, for the
// scenarios this run measured.
func (h *harness) targetsSection() string {
	var b strings.Builder
	b.WriteString("| target | scenario | amq vs ActiveMQ | met |\n|---|---|---:|---|\n")
	n := 0
	for _, t := range targets {
		for _, k := range t.keys {
			r := h.res.rowByKey[k]
			if r == nil {
				continue
			}
			shown, met := t.check(r)
			if shown == "" {
				continue
			}
			verdict := "yes"
			if !met {
				verdict = "**no**"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t.goal, r.Name, shown, verdict)
			n++
		}
	}
	if n == 0 {
		return ""
	}
	b.WriteString("\nWhat holds back the targets not met, with the profiles that show it: [PROFILES.md](PROFILES.md).\n")
	return b.String()
}
