package config

import "fmt"

// Error is a fatal problem in a configuration file, located at a line and
// column (1-based; the column counts bytes).
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
	Err  error // underlying cause, if any
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Warning is a non-fatal remark about a configuration file: an unknown or
// unsupported element or attribute, an ignored import, and the like.
type Warning struct {
	File string
	Line int
	Col  int
	Msg  string
}

func (w Warning) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", w.File, w.Line, w.Col, w.Msg)
}

// Pos is the place in a file where an element of the model was declared.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}
