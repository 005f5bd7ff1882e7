// Package logging builds the broker's slog logger: text or JSON, with a level
// per component ("info,stomp=debug,web=warn").
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Levels is a default level plus overrides by component. A component is
// named by a logger's "component" attribute, or its "connector" (the
// transport connector's name, e.g. stomp, openwire).
type Levels struct {
	Default slog.Level
	By      map[string]slog.Level
}

// ParseLevels reads "info" or "warn,stomp=debug,web=error".
func ParseLevels(spec string) (Levels, error) {
	lv := Levels{Default: slog.LevelInfo, By: map[string]slog.Level{}}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, level, ok := strings.Cut(part, "=")
		if !ok {
			level, name = name, ""
		}
		var l slog.Level
		if err := l.UnmarshalText([]byte(strings.TrimSpace(level))); err != nil {
			return lv, fmt.Errorf("log level %q: want debug, info, warn or error", part)
		}
		if name == "" {
			lv.Default = l
		} else {
			lv.By[strings.TrimSpace(name)] = l
		}
	}
	return lv, nil
}

// New returns a logger writing to w in format "text" or "json".
func New(w io.Writer, format, levels string) (*slog.Logger, error) {
	lv, err := ParseLevels(levels)
	if err != nil {
		return nil, err
	}
	min := lv.Default
	for _, l := range lv.By {
		if l < min {
			min = l
		}
	}
	o := &slog.HandlerOptions{Level: min}
	var h slog.Handler
	switch format {
	case "text", "":
		h = slog.NewTextHandler(w, o)
	case "json":
		h = slog.NewJSONHandler(w, o)
	default:
		return nil, fmt.Errorf("log format %q: want text or json", format)
	}
	return slog.New(&componentHandler{inner: h, levels: lv, level: lv.Default}), nil
}

// componentHandler applies the level of the component named by the
// logger's attributes.
type componentHandler struct {
	inner  slog.Handler
	levels Levels
	level  slog.Level
}

func (h *componentHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.inner.Enabled(ctx, l)
}

func (h *componentHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.inner.Handle(ctx, r)
}

func (h *componentHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	level := h.level
	for _, a := range attrs {
		if a.Key == "component" || a.Key == "connector" {
			if l, ok := h.levels.By[a.Value.String()]; ok {
				level = l
			}
		}
	}
	return &componentHandler{inner: h.inner.WithAttrs(attrs), levels: h.levels, level: level}
}

func (h *componentHandler) WithGroup(name string) slog.Handler {
	return &componentHandler{inner: h.inner.WithGroup(name), levels: h.levels, level: h.level}
}
