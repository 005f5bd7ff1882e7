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
