package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// FrameSizeError reports a size prefix outside 1..Max.
type FrameSizeError struct {
	Size int64
	Max  int64
}

func (e *FrameSizeError) Error() string {
	return fmt.Sprintf("openwire: frame size %d is outside 1..%d (the maximum frame size)", e.Size, e.Max)
}

// Reader reads size-prefixed frames from a stream. It is not safe for
// concurrent use.
type Reader struct {
	br    *bufio.Reader
	max   int64
	codec Codec
	hdr   [4]byte
}

// readChunk is how much of a large frame is allocated ahead of the bytes
// actually arriving.
const readChunk = 1 << 20

// NewReader returns a Reader refusing frames larger than maxFrameSize
// bytes (not counting the 4-byte prefix); maxFrameSize <= 0 means the
// protocol's limit, math.MaxInt32. It decodes with version 12 until
// SetCodec is called.
func NewReader(r io.Reader, maxFrameSize int64) *Reader {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < 4096 {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	rd := &Reader{br: br}
	rd.SetMaxFrameSize(maxFrameSize)
	return rd
}

// SetMaxFrameSize changes the frame size limit (e.g. after negotiation).
func (r *Reader) SetMaxFrameSize(n int64) {
	if n <= 0 || n > math.MaxInt32 {
		n = math.MaxInt32
	}
	r.max = n
}

// MaxFrameSize returns the current frame size limit.
func (r *Reader) MaxFrameSize() int64 { return r.max }

// SetCodec sets the codec ReadCommand decodes with (e.g. Settled.Codec()).
func (r *Reader) SetCodec(c Codec) { r.codec = c }

// Codec returns the codec ReadCommand decodes with.
func (r *Reader) Codec() Codec { return r.codec }

// ReadFrame reads one frame and returns its body (type byte and fields) in
// a newly allocated slice. A clean end of stream before a frame gives
// io.EOF; one inside a frame io.ErrUnexpectedEOF. A size outside 1..max
// gives a *FrameSizeError, after which the stream is out of step.
func (r *Reader) ReadFrame() ([]byte, error) {
	if _, err := io.ReadFull(r.br, r.hdr[:]); err != nil {
		return nil, err
	}
	size := int64(int32(binary.BigEndian.Uint32(r.hdr[:])))
	if size < 1 || size > r.max {
		return nil, &FrameSizeError{Size: size, Max: r.max}
	}
	n := int(size)
	if n <= readChunk {
		body := make([]byte, n)
		if _, err := io.ReadFull(r.br, body); err != nil {
			return nil, noEOF(err)
		}
		return body, nil
	}
	// Grow with the data actually received so that a peer announcing a
	// large frame cannot make us allocate it up front.
	body := make([]byte, 0, readChunk)
	for len(body) < n {
		chunk := min(n-len(body), readChunk)
		if cap(body)-len(body) < chunk {
			nb := make([]byte, len(body), min(2*cap(body), n))
			copy(nb, body)
			body = nb
		}
		start := len(body)
		body = body[:start+chunk]
		if _, err := io.ReadFull(r.br, body[start:]); err != nil {
			return nil, noEOF(err)
		}
	}
	return body, nil
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ReadCommand reads and decodes one frame. A frame that does not decode
// (including an *UnknownTypeError) is consumed whole, so the caller may
// carry on with the next one.
func (r *Reader) ReadCommand() (Command, error) {
	body, err := r.ReadFrame()
	if err != nil {
		return nil, err
	}
	return r.codec.Unmarshal(body)
}
