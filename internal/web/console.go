package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"amq/broker"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets/*
var assetFS embed.FS

var pageNames = []string{"index", "queues", "topics", "subscribers", "connections", "scheduled", "browse", "message", "send"}

type pageSet struct {
	t map[string]*template.Template
}

func loadPages() (*pageSet, error) {
	funcs := template.FuncMap{
		"qs":    url.QueryEscape,
		"path":  url.PathEscape,
		"ms":    msTime,
		"bytes": humanBytes,
	}
	base, err := template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web console templates: %w", err)
	}
	ps := &pageSet{t: map[string]*template.Template{}}
	for _, name := range pageNames {
		cl, err := base.Clone()
		if err != nil {
			return nil, err
		}
		t, err := cl.ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web console template %s: %w", name, err)
		}
		ps.t[name] = t
	}
	return ps, nil
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// pageData is what every page template gets.
type pageData struct {
	Title      string
	Nav        string
	BrokerName string
	Version    string
	User       string
	Admin      bool
	CSRF       string
	Flash      string
	FlashErr   bool
	Data       any
}

const flashCookie = "amq_flash"

type flash struct {
	Msg string `json:"m"`
	Err bool   `json:"e,omitempty"`
}

func setFlash(w http.ResponseWriter, msg string, isErr bool) {
	b, _ := json.Marshal(flash{Msg: msg, Err: isErr})
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/admin/",
		MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

func takeFlash(w http.ResponseWriter, r *http.Request) (flash, bool) {
	ck, err := r.Cookie(flashCookie)
	if err != nil {
		return flash{}, false
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/admin/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	raw, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil {
		return flash{}, false
	}
	var f flash
	if json.Unmarshal(raw, &f) != nil || f.Msg == "" {
		return flash{}, false
	}
	if len(f.Msg) > 500 {
		f.Msg = f.Msg[:500]
	}
	return f, true
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, name, title, nav string, data any) {
	a := accountOf(r)
	pd := pageData{Title: title, Nav: nav, BrokerName: c.b.Name(), Version: broker.Version, User: a.name,
		Admin: a.isAdmin(), CSRF: c.csrfToken(a), Data: data}
	if f, ok := takeFlash(w, r); ok {
		pd.Flash, pd.FlashErr = f.Msg, f.Err
	}
	var buf bytes.Buffer
	if err := c.pages.t[name].ExecuteTemplate(&buf, "layout", pd); err != nil {
		c.log.Error("web console: render page", "page", name, "err", err)
		http.Error(w, "500 internal error rendering the page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

type connectorRow struct{ Name, URL string }

func (c *Console) pageIndex(w http.ResponseWriter, r *http.Request) {
	memUsed, memLimit := c.memoryUsage()
	storeUsed, storeLimit := c.storeUsage(r.Context())
	var conns []connectorRow
	for n, u := range c.connectors() {
		conns = append(conns, connectorRow{n, u})
	}
	sort.Slice(conns, func(i, j int) bool { return conns[i].Name < conns[j].Name })
	bucket := func(p int) int {
		b := (p + 5) / 10 * 10
		if b > 100 {
			b = 100
		}
		return b
	}
	interval := 2000
	if v, err := strconv.Atoi(r.URL.Query().Get("interval")); err == nil && v >= 200 && v <= 60000 {
		interval = v
	}
	data := map[string]any{
		"Name":             c.b.Name(),
		"Version":          broker.Version,
		"ID":               c.b.ID(),
		"Uptime":           printDuration(time.Since(c.b.StartTime())),
		"StorePct":         percent(storeUsed, storeLimit),
		"StorePctBucket":   bucket(percent(storeUsed, storeLimit)),
		"StoreUsed":        storeUsed,
		"StoreLimit":       storeLimit,
		"MemPct":           percent(memUsed, memLimit),
		"MemPctBucket":     bucket(percent(memUsed, memLimit)),
		"MemUsed":          memUsed,
		"MemLimit":         memLimit,
		"TempLimit":        c.tempLimit(),
		"Connectors":       conns,
		"Totals":           c.totals(),
		"Connections":      len(c.b.Connections()),
		"TotalConnections": c.b.TotalConnections(),
		"Scheduled":        len(c.b.ScheduledJobs()),
		"ChartInterval":    interval,
	}
	c.render(w, r, "index", "Home", "home", data)
}

func sortLinks(page, filter, cur string, desc bool, cols []string) (map[string]string, map[string]string) {
	links, marks := map[string]string{}, map[string]string{}
	for _, col := range cols {
		dir := "asc"
		if col == cur && !desc {
			dir = "desc"
		}
		q := url.Values{"sort": {col}, "dir": {dir}}
		if filter != "" {
			q.Set("filter", filter)
		}
		links[col] = page + "?" + q.Encode()
		if col == cur {
			if desc {
				marks[col] = " ▼"
			} else {
				marks[col] = " ▲"
			}
		}
	}
	return links, marks
}

func (c *Console) pageQueues(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	filter := strings.TrimSpace(q.Get("filter"))
	key := q.Get("sort")
	switch key {
	case "name", "pending", "consumers", "enqueued", "dequeued":
	default:
		key = "name"
	}
	desc := q.Get("dir") == "desc"
	var rows []destView
	for _, v := range c.queues(false) {
		if filter == "" || strings.Contains(strings.ToLower(v.Dest.Name), strings.ToLower(filter)) {
			rows = append(rows, v)
		}
	}
	sortViews(rows, key, desc)
	links, marks := sortLinks("/admin/queues.jsp", filter, key, desc, []string{"name", "pending", "consumers", "enqueued", "dequeued"})
	dir := "asc"
	if desc {
		dir = "desc"
	}
	c.render(w, r, "queues", "Queues", "queues", map[string]any{
		"Rows": rows, "Filter": filter, "Sort": key, "Dir": dir, "Links": links, "Marks": marks,
	})
}

func (c *Console) pageTopics(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	filter := strings.TrimSpace(q.Get("filter"))
	adv := q.Get("advisory") != ""
	var rows []destView
	for _, v := range c.topics(false) {
		if v.IsAdvisory() && !adv {
			continue
		}
		if filter == "" || strings.Contains(strings.ToLower(v.Dest.Name), strings.ToLower(filter)) {
			rows = append(rows, v)
		}
	}
	c.render(w, r, "topics", "Topics", "topics", map[string]any{
		"Rows": rows, "Filter": filter, "Advisory": adv, "CanDelete": c.canRemoveTopics(),
	})
}

type subGroup struct {
	Title, ID string
	Rows      []broker.DurableSubscription
}

func (c *Console) pageSubscribers(w http.ResponseWriter, r *http.Request) {
	active := subGroup{Title: "Active Durable Topic Subscribers", ID: "active-subscribers"}
	offline := subGroup{Title: "Offline Durable Topic Subscribers", ID: "offline-subscribers"}
	for _, s := range c.b.DurableSubscriptions() {
		if s.Active {
			active.Rows = append(active.Rows, s)
		} else {
			offline.Rows = append(offline.Rows, s)
		}
	}
	c.render(w, r, "subscribers", "Durable Topic Subscribers", "subscribers", map[string]any{"Groups": []subGroup{active, offline}})
}

type connRow struct {
	ID, ClientID, Remote, Protocol, User, Since string
	Consumers                                   int
}

func (c *Console) pageConnections(w http.ResponseWriter, r *http.Request) {
	conns := c.b.Connections()
	sort.Slice(conns, func(i, j int) bool { return conns[i].ID() < conns[j].ID() })
	rows := make([]connRow, 0, len(conns))
	for _, cn := range conns {
		info := cn.Info()
		row := connRow{ID: cn.ConnectionID(), ClientID: info.ClientID, Remote: info.RemoteAddr, Protocol: info.Protocol,
			Since: cn.Created().Format("2006-01-02 15:04:05 MST"), Consumers: len(cn.Consumers())}
		if info.User != nil {
			row.User = info.User.Name
		}
		rows = append(rows, row)
	}
	c.render(w, r, "connections", "Connections", "connections", map[string]any{"Rows": rows})
}

type jobRow struct {
	broker.ScheduledJob
	Dest string
}

func (c *Console) pageScheduled(w http.ResponseWriter, r *http.Request) {
	var rows []jobRow
	for _, j := range c.b.ScheduledJobs() {
		rows = append(rows, jobRow{ScheduledJob: j, Dest: j.Dest.String()})
	}
	enabled := true
	if c.cfg != nil {
		enabled = c.cfg.Broker.SchedulerSupport
	}
	c.render(w, r, "scheduled", "Scheduled Messages", "scheduled", map[string]any{"Rows": rows, "Enabled": enabled})
}

func (c *Console) pageBrowse(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name := q.Get("JMSDestination")
	v, ok := c.findQueue(name)
	if !ok {
		http.Error(w, "404 no queue named "+strconv.Quote(name), http.StatusNotFound)
		return
	}
	sel := strings.TrimSpace(q.Get("selector"))
	data := map[string]any{"Queue": v, "Selector": sel, "Self": r.URL.RequestURI()}
	f, err := c.b.CompileSelector(sel)
	if err != nil {
		data["SelectorError"] = "Invalid selector: " + err.Error()
	} else {
		ms := c.b.Browse(v.Dest, f, maxBrowse)
		views := make([]MessageView, len(ms))
		for i, m := range ms {
			views[i] = viewMessage(m)
		}
		data["Messages"] = views
		data["Truncated"] = len(ms) >= maxBrowse
	}
	c.render(w, r, "browse", "Browse "+name, "queues", data)
}

// findMessage looks a pending or in-flight message up by ID.
func (c *Console) findMessage(queue, id string) (*broker.Message, bool) {
	for _, m := range c.b.Browse(broker.QueueDest(queue), nil, 0) {
		if m.ID == id {
			return m, true
		}
	}
	return nil, false
}

func (c *Console) pageMessage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	queue, id := q.Get("JMSDestination"), q.Get("id")
	m, ok := c.findMessage(queue, id)
	if !ok {
		http.Error(w, "404 no message "+strconv.Quote(id)+" pending on queue "+strconv.Quote(queue), http.StatusNotFound)
		return
	}
	var names []string
	for _, v := range c.queues(false) {
		if v.Dest.Name != queue {
			names = append(names, v.Dest.Name)
		}
	}
	c.render(w, r, "message", "Message "+id, "queues", map[string]any{
		"Msg": viewMessage(m), "Queue": queue, "QueueNames": names, "Self": r.URL.RequestURI(),
	})
}

func (c *Console) pageSend(w http.ResponseWriter, r *http.Request) {
	if !accountOf(r).isAdmin() {
		http.Error(w, "403 Forbidden: sending needs the admin role", http.StatusForbidden)
		return
	}
	q := r.URL.Query()
	typ := q.Get("JMSDestinationType")
	if typ != "topic" {
		typ = "queue"
	}
	c.render(w, r, "send", "Send", "send", map[string]any{"Dest": q.Get("JMSDestination"), "Type": typ})
}

func (c *Console) assets(w http.ResponseWriter, r *http.Request) {
	sub, _ := fs.Sub(assetFS, "assets")
	w.Header().Set("Cache-Control", "private, max-age=300")
	http.StripPrefix("/admin/assets/", http.FileServerFS(sub)).ServeHTTP(w, r)
}

// apiStats feeds the overview chart with the broker's running totals.
func (c *Console) apiStats(w http.ResponseWriter, r *http.Request) {
	t := c.totals()
	writeJSON(w, http.StatusOK, map[string]any{
		"time":        time.Now().UnixMilli(),
		"enqueued":    t.Enqueued,
		"dequeued":    t.Dequeued,
		"messages":    t.Messages,
		"consumers":   t.Consumers,
		"queues":      t.Queues,
		"topics":      t.Topics,
		"connections": len(c.b.Connections()),
	})
}

// BrowseResult is the answer of GET /api/browse.
type BrowseResult struct {
	Queue     string        `json:"queue"`
	Selector  string        `json:"selector,omitempty"`
	Messages  []MessageView `json:"messages"`
	Truncated bool          `json:"truncated"`
}

// maxBrowseAPI bounds what one /api/browse call returns.
const maxBrowseAPI = 100000

// apiBrowse lists a queue's messages: GET /api/browse?queue=X[&selector=S][&limit=N].
func (c *Console) apiBrowse(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name := q.Get("queue")
	if name == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "the queue parameter is required"})
		return
	}
	limit := maxBrowse
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "limit must be a non-negative number"})
			return
		}
		limit = n
		if limit == 0 || limit > maxBrowseAPI {
			limit = maxBrowseAPI
		}
	}
	d := broker.QueueDest(name)
	if _, ok := c.b.QueueStats(d); !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "no queue named " + strconv.Quote(name)})
		return
	}
	sel := q.Get("selector")
	f, err := c.b.CompileSelector(sel)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid selector: " + err.Error()})
		return
	}
	ms := c.b.Browse(d, f, limit+1)
	res := BrowseResult{Queue: name, Selector: sel, Messages: make([]MessageView, 0, len(ms))}
	if len(ms) > limit {
		ms, res.Truncated = ms[:limit], true
	}
	for _, m := range ms {
		res.Messages = append(res.Messages, viewMessage(m))
	}
	writeJSON(w, http.StatusOK, res)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// requestCtx bounds work started by a request that may wait on the broker.
func requestCtx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 30*time.Second)
}
