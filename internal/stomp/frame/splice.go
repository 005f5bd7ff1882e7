package frame

import (
	"io"
	"net"
)

// BodyRef is a large body written from where it lies instead of being
// copied into a buffer of encoded frames: it goes after buf[:At], behind
// the previous BodyRef's part of buf (see WriteSpliced).
type BodyRef struct {
	At   int
	Body []byte
}

// WriteSpliced writes buf with the referenced bodies in place, in one
// vectored write (writev on a socket); without bodies, a plain Write.
func WriteSpliced(w io.Writer, buf []byte, bodies []BodyRef) error {
	if len(bodies) == 0 {
		_, err := w.Write(buf)
		return err
	}
	vec := make(net.Buffers, 0, 2*len(bodies)+1)
	from := 0
	for _, b := range bodies {
		vec = append(vec, buf[from:b.At], b.Body)
		from = b.At
	}
	vec = append(vec, buf[from:])
	_, err := vec.WriteTo(w)
	return err
}

// Spliced collects frames to write at once: encoded bytes in Buf, large
// bodies referenced where they lie. A referenced body must not change until
// the write.
type Spliced struct {
	Buf       []byte
	Bodies    []BodyRef
	bodyBytes int
}

// AddBody puts body at the end of what Buf holds now.
func (s *Spliced) AddBody(body []byte) {
	s.Bodies = append(s.Bodies, BodyRef{At: len(s.Buf), Body: body})
	s.bodyBytes += len(body)
}

// Len is how many bytes a write of s would write.
func (s *Spliced) Len() int { return len(s.Buf) + s.bodyBytes }

// WriteOut writes s with WriteSpliced; it does not Reset it.
func (s *Spliced) WriteOut(w io.Writer) error { return WriteSpliced(w, s.Buf, s.Bodies) }

// Reset empties s, keeping its memory but not the bodies it referenced.
func (s *Spliced) Reset() {
	s.Buf = s.Buf[:0]
	clear(s.Bodies)
	s.Bodies = s.Bodies[:0]
	s.bodyBytes = 0
}
