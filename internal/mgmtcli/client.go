package mgmtcli

import (
	"amq/internal/web"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// client talks to a running broker's management API over HTTP.
type client struct {
	base     string
	user, pw string
	hc       *http.Client
}

func newClient(base, user, pw string, timeout time.Duration) (*client, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usageErrorf("--url %q: want http://host:port of the broker's web console", base)
	}
	return &client{base: u.String(), user: user, pw: pw, hc: &http.Client{Timeout: timeout}}, nil
}

// jolokiaResp is one answer of the Jolokia protocol.
type jolokiaResp struct {
	Request   map[string]any  `json:"request"`
	Status    int             `json:"status"`
	Value     json.RawMessage `json:"value"`
	Error     string          `json:"error"`
	ErrorType string          `json:"error_type"`
}

func (r *jolokiaResp) err() error {
	if r.Status == 200 {
		return nil
	}
	return &APIError{Status: r.Status, Type: r.ErrorType, Message: r.Error}
}

// APIError is an error the management API reported.
type APIError struct {
	Status  int
	Type    string
	Message string
}

func (e *APIError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("management API status %d", e.Status)
}

func (e *APIError) notFound() bool { return e.Status == 404 }

func (c *client) do(ctx context.Context, method, path string, body []byte) ([]byte, int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.user != "" {
		req.SetBasicAuth(c.user, c.pw)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return nil, 0, fmt.Errorf("cannot reach the management API at %s: %w (is the broker running with its web console? see amq console --web)", c.base, err)
		}
		return nil, 0, fmt.Errorf("%s %s: %w", method, c.base+path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("read the answer of %s: %w", c.base+path, err)
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return nil, resp.StatusCode, fmt.Errorf("%s refused the login of user %q: check --user and --password (the broker reads its users from jetty-realm.properties)", c.base, c.user)
	case http.StatusForbidden:
		msg := strings.TrimSpace(string(data))
		var jr jolokiaResp
		if json.Unmarshal(data, &jr) == nil && jr.Error != "" {
			msg = jr.Error
		}
		return nil, resp.StatusCode, fmt.Errorf("%s refused the request for user %q: %s", c.base, c.user, msg)
	}
	return data, resp.StatusCode, nil
}

// jolokia sends requests as one bulk POST and returns the answers in order.
func (c *client) jolokia(ctx context.Context, reqs ...map[string]any) ([]jolokiaResp, error) {
	body, err := json.Marshal(reqs)
	if err != nil {
		return nil, err
	}
	data, status, err := c.do(ctx, http.MethodPost, "/api/jolokia", body)
	if err != nil {
		return nil, err
	}
	var out []jolokiaResp
	if err := json.Unmarshal(data, &out); err != nil {
		var one jolokiaResp
		if json.Unmarshal(data, &one) == nil && one.Status != 0 {
			return nil, one.err()
		}
		return nil, fmt.Errorf("%s/api/jolokia answered HTTP %d with something that is not a Jolokia response: %.200s", c.base, status, data)
	}
	if len(out) != len(reqs) {
		return nil, fmt.Errorf("%s/api/jolokia answered %d of %d requests", c.base, len(out), len(reqs))
	}
	return out, nil
}

// browseResult mirrors the JSON of /api/browse.
type browseResult struct {
	Queue     string            `json:"queue"`
	Selector  string            `json:"selector,omitempty"`
	Messages  []web.MessageView `json:"messages"`
	Truncated bool              `json:"truncated"`
}

func (c *client) browse(ctx context.Context, queue, selector string, limit int) (*browseResult, error) {
	q := url.Values{"queue": {queue}}
	if selector != "" {
		q.Set("selector", selector)
	}
	if limit >= 0 {
		q.Set("limit", fmt.Sprint(limit))
	}
	data, status, err := c.do(ctx, http.MethodGet, "/api/browse?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return nil, &APIError{Status: status, Message: e.Error}
		}
		return nil, fmt.Errorf("%s/api/browse answered HTTP %d", c.base, status)
	}
	var res browseResult
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("%s/api/browse: %w", c.base, err)
	}
	return &res, nil
}
