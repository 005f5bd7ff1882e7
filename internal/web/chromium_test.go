package web

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"amq/broker"
)

const chromiumPath = "/usr/bin/chromium"

// browser starts headless Chromium with a fresh profile; every request it
// makes carries user's Basic credentials, and JavaScript dialogs (the
// console's confirmations) are accepted.
func browser(t *testing.T, user, pw string) (context.Context, func() []string) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("skipping the browser test: %s is not installed (Debian: apt-get install -y chromium)", chromiumPath)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pw))
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": "Basic " + auth}}); err != nil {
		t.Fatal(err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	var mu sync.Mutex
	var problems []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == "error" {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}

// step runs actions with a deadline so a broken page fails fast.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, pageState(ctx))
	}
}

// pageState describes where the browser is, for failure messages.
func pageState(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if len(body) > 2000 {
		body = body[:2000] + "..."
	}
	return "at " + loc + ":\n" + body
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dirs := []string{t.TempDir()}
	if d := os.Getenv("AMQ_SCREENSHOT_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s (%d bytes)", p, len(png))
	}
}

// TestConsoleInChromium drives the console in a real browser: the overview
// with its live chart, the queue list, a send through the form, browsing the
// sent message, and a purge confirmed in the dialog.
func TestConsoleInChromium(t *testing.T) {
	e := startEnv(t, envOpts{})
	ctx, problems := browser(t, "admin", "secret")
	e.send("web.orders", 3, true)
	e.send("web.audit", 1, false)

	// Traffic for the chart while it samples.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				m := &broker.Message{Dest: broker.QueueDest("web.traffic"), Body: []byte("tick"), BodyKind: broker.BodyText, Priority: 4}
				e.cl.Send(context.Background(), m)
			}
		}
	}()
	step(t, ctx, "open the overview", chromedp.Navigate(e.base+"/admin/?interval=300"), chromedp.WaitVisible(chromedp.ID("rate-chart")))
	if got := text(t, ctx, "#broker-name"); got != "webtest" {
		t.Fatalf("broker name on the overview: %q", got)
	}
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	samples, err := chromedp.Run(pctx, chromedp.Poll[int](
		`(function(){ var n = +document.getElementById("rate-chart").getAttribute("data-samples"); return n >= 3 ? n : 0; })()`,
		chromedp.WithPollingInterval(100*time.Millisecond)))
	cancel()
	if err != nil {
		t.Fatalf("the chart did not draw: %v", err)
	}
	close(stop)
	wg.Wait()
	pts, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("line-enq").getAttribute("points")`))
	if err != nil || strings.Count(pts, ",") < 2 {
		t.Fatalf("enqueue line has points %q (%d samples): %v", pts, samples, err)
	}
	rate := text(t, ctx, "#rate-enq")
	if rate == "" || rate == "–" {
		t.Fatalf("no enqueue rate shown: %q", rate)
	}
	saveScreenshot(t, ctx, "console-overview.png")

	// The queue list.
	step(t, ctx, "open the queues", chromedp.Navigate(e.base+"/admin/queues.jsp"), chromedp.WaitVisible(chromedp.CSS(`#queues tr[data-queue="web.orders"]`)))
	if got := text(t, ctx, `#queues tr[data-queue="web.orders"] td.pending`); got != "3" {
		t.Fatalf("pending for web.orders: %q", got)
	}

	// Send through the form.
	step(t, ctx, "open the send form",
		chromedp.Click(chromedp.CSS(`#queues tr[data-queue="web.orders"] a.button`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.ID("send-form")),
		chromedp.SendKeys(chromedp.ID("send-body"), "hello from chromium"),
	)
	saveScreenshot(t, ctx, "console-send.png")
	step(t, ctx, "send a message",
		chromedp.Click(chromedp.ID("send-submit"), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.ID("flash")),
	)
	if got := text(t, ctx, "#flash"); !strings.Contains(got, "Sent a message to queue://web.orders") {
		t.Fatalf("after sending: %q", got)
	}
	if got := text(t, ctx, `#queues tr[data-queue="web.orders"] td.pending`); got != "4" {
		t.Fatalf("pending after the send: %q", got)
	}
	ms := e.b.Browse(broker.QueueDest("web.orders"), nil, 0)
	if len(ms) != 4 || string(ms[3].Body) != "hello from chromium" || !ms[3].Persistent {
		t.Fatalf("the broker holds %d messages; last %q", len(ms), ms[len(ms)-1].Body)
	}

	// Browse and open the message.
	step(t, ctx, "browse", chromedp.Navigate(e.base+"/admin/browse.jsp?JMSDestination=web.orders"), chromedp.WaitVisible(chromedp.ID("messages")))
	if got := text(t, ctx, "#messages"); !strings.Contains(got, "hello from chromium") {
		t.Fatalf("browse page: %q", got)
	}
	step(t, ctx, "open the message",
		chromedp.Click(chromedp.CSS(`#messages tbody tr:last-child td.mono a`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.ID("message-body")))
	if got := text(t, ctx, "#message-body"); got != "hello from chromium" {
		t.Fatalf("message body: %q", got)
	}
	if got := text(t, ctx, "#message-id"); got != ms[3].ID {
		t.Fatalf("message id %q, want %q", got, ms[3].ID)
	}
	saveScreenshot(t, ctx, "console-message.png")

	// Purge, confirming the dialog.
	step(t, ctx, "purge",
		chromedp.Navigate(e.base+"/admin/queues.jsp"),
		chromedp.Click(chromedp.CSS(`#queues tr[data-queue="web.orders"] button.purge`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.ID("flash")),
	)
	if got := text(t, ctx, "#flash"); !strings.Contains(got, "Purged 4 messages from queue web.orders") {
		t.Fatalf("after purging: %q", got)
	}
	if got := text(t, ctx, `#queues tr[data-queue="web.orders"] td.pending`); got != "0" {
		t.Fatalf("pending after the purge: %q", got)
	}
	if n := e.queueSize("web.orders"); n != 0 {
		t.Fatalf("the broker still holds %d messages", n)
	}
	if got := text(t, ctx, `#queues tr[data-queue="web.audit"] td.pending`); got != "1" {
		t.Fatalf("the purge touched another queue: %q", got)
	}
	saveScreenshot(t, ctx, "console-queues.png")
	if p := problems(); len(p) > 0 {
		t.Fatalf("the page reported errors:\n%s", strings.Join(p, "\n"))
	}
}
