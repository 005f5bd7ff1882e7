package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// row is one line of the results table: a measure taken on both brokers
// (or only one), with every run's value.
type row struct {
	Group  string    `json:"group"`
	Key    string    `json:"key"`
	Name   string    `json:"name"`
	Unit   string    `json:"unit"`
	Higher bool      `json:"higher_is_better"`
	Ours   []float64 `json:"amq"`
	AMQ    []float64 `json:"activemq"`
	Note   string    `json:"note,omitempty"`
	// Plot puts the row on the throughput chart.
	Plot bool `json:"plot,omitempty"`

	OursMedian *float64 `json:"amq_median"`
	AMQMedian  *float64 `json:"activemq_median"`
	Ratio      *float64 `json:"ratio_amq_over_activemq"`
}

// runRecord is one raw measurement, for results.json.
type runRecord struct {
	Scenario string         `json:"scenario"`
	Broker   string         `json:"broker"`
	Run      int            `json:"run"`
	Value    *float64       `json:"value,omitempty"`
	Producer *summary       `json:"producer,omitempty"`
	Consumer *summary       `json:"consumer,omitempty"`
	Java     *javaResult    `json:"java,omitempty"`
	Extra    map[string]any `json:"extra,omitempty"`
	WallSecs float64        `json:"wall_seconds,omitempty"`
	Error    string         `json:"error,omitempty"`
}

type ceilingRow struct {
	Name string   `json:"name"`
	Rate float64  `json:"rate"`
	Sum  *summary `json:"summary,omitempty"`
	Err  string   `json:"error,omitempty"`
}

// floorRow is a grid scenario run through the pass-through relay,
// interleaved with the brokers' runs of it (see relay.go).
type floorRow struct {
	Scenario string    `json:"scenario"`
	Name     string    `json:"name"`
	Runs     []float64 `json:"runs"`
	Median   *float64  `json:"median,omitempty"`
}

type results struct {
	mu        sync.Mutex
	Started   time.Time         `json:"started"`
	Finished  time.Time         `json:"finished"`
	Quick     bool              `json:"quick"`
	Runs      int               `json:"runs_per_scenario"`
	Machine   map[string]string `json:"machine"`
	Versions  map[string]string `json:"versions"`
	Settings  []string          `json:"settings"`
	Ceiling   []ceilingRow      `json:"load_generator_ceiling"`
	Floor     []*floorRow       `json:"relay_floor,omitempty"`
	Rows      []*row            `json:"rows"`
	Raw       []runRecord       `json:"raw"`
	Notes     []string          `json:"notes"`
	Skipped   []string          `json:"skipped"`
	rowByKey  map[string]*row
	rowsOrder int
}

func newResults(quick bool, runs int) *results {
	return &results{Started: time.Now(), Quick: quick, Runs: runs, Machine: map[string]string{},
		Versions: map[string]string{}, rowByKey: map[string]*row{}}
}

// defRow declares a row; values come later through add.
func (r *results) defRow(group, key, name, unit string, higher, plot bool) *row {
	r.mu.Lock()
	defer r.mu.Unlock()
	if x, ok := r.rowByKey[key]; ok {
		return x
	}
	x := &row{Group: group, Key: key, Name: name, Unit: unit, Higher: higher, Plot: plot}
	r.rowByKey[key] = x
	r.Rows = append(r.Rows, x)
	return x
}

func (r *results) add(key, brokerKey string, v float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	x := r.rowByKey[key]
	if x == nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	if brokerKey == "amq" {
		x.Ours = append(x.Ours, v)
	} else {
		x.AMQ = append(x.AMQ, v)
	}
}

func (r *results) note(key, format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	if x := r.rowByKey[key]; x != nil {
		if x.Note != "" {
			if strings.Contains(x.Note, msg) {
				return
			}
			x.Note += "; "
		}
		x.Note += msg
	}
}

func (r *results) addFloor(scenario, name string, v float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.Floor {
		if f.Scenario == scenario {
			f.Runs = append(f.Runs, v)
			return
		}
	}
	r.Floor = append(r.Floor, &floorRow{Scenario: scenario, Name: name, Runs: []float64{v}})
}

func (r *results) raw(rec runRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Raw = append(r.Raw, rec)
}

func (r *results) addNote(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

func (r *results) skip(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Skipped = append(r.Skipped, fmt.Sprintf(format, args...))
}

func (r *results) hasData() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.Ceiling) > 0 {
		return true
	}
	for _, x := range r.Rows {
		if len(x.Ours) > 0 || len(x.AMQ) > 0 {
			return true
		}
	}
	return false
}

func median(v []float64) (float64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

func (r *results) finish() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Finished = time.Now()
	for _, f := range r.Floor {
		f.Median = nil
		if m, ok := median(f.Runs); ok {
			f.Median = ptr(m)
		}
	}
	for _, x := range r.Rows {
		x.OursMedian, x.AMQMedian, x.Ratio = nil, nil, nil
		if m, ok := median(x.Ours); ok {
			x.OursMedian = ptr(m)
		}
		if m, ok := median(x.AMQ); ok {
			x.AMQMedian = ptr(m)
		}
		if x.Unit != "count" && x.OursMedian != nil && x.AMQMedian != nil && *x.AMQMedian != 0 {
			x.Ratio = ptr(*x.OursMedian / *x.AMQMedian)
		}
	}
}

func ptr(v float64) *float64 { return &v }

func (r *results) writeJSON(path string) error {
	r.mu.Lock()
	b, err := json.MarshalIndent(r, "", "  ")
	r.mu.Unlock()
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// fmtVal formats a value for the table.
func fmtVal(v float64, unit string) string {
	switch {
	case unit == "count":
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 1000:
		return groupThousands(fmt.Sprintf("%.0f", v))
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
