package frame

import (
	"bytes"
	"errors"
	"io"
	"math"
	"slices"
	"unsafe"
)

// Default limits, those of ActiveMQ's StompWireFormat (MaxFrameSize is the
// maxFrameSize of the stock activemq.xml transport connectors).
const (
	DefaultMaxCommand    = 1024
	DefaultMaxHeaderLine = 10 * 1024
	DefaultMaxHeaders    = 1000
	DefaultMaxFrameSize  = 100 * 1024 * 1024
	DefaultMaxDataLength = 100 * 1024 * 1024
	DefaultBufferSize    = 1 << 20 // ours: how far a busy connection's read buffer grows
)

// Limits bounds what a peer may send. A field <= 0 takes its default.
type Limits struct {
	MaxCommand    int   // bytes in the command line, EOL excluded
	MaxHeaderLine int   // bytes in one header line, EOL excluded
	MaxHeaders    int   // header lines in one frame
	MaxFrameSize  int64 // command + header lines + body, EOLs excluded
	MaxDataLength int   // body bytes
	BufferSize    int   // read buffer; raised to hold a longest line
}

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{
		MaxCommand:    DefaultMaxCommand,
		MaxHeaderLine: DefaultMaxHeaderLine,
		MaxHeaders:    DefaultMaxHeaders,
		MaxFrameSize:  DefaultMaxFrameSize,
		MaxDataLength: DefaultMaxDataLength,
		BufferSize:    DefaultBufferSize,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxCommand <= 0 {
		l.MaxCommand = d.MaxCommand
	}
	if l.MaxHeaderLine <= 0 {
		l.MaxHeaderLine = d.MaxHeaderLine
	}
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = d.MaxHeaders
	}
	if l.MaxFrameSize <= 0 {
		l.MaxFrameSize = d.MaxFrameSize
	}
	if l.MaxDataLength <= 0 {
		l.MaxDataLength = d.MaxDataLength
	}
	if l.BufferSize <= 0 {
		l.BufferSize = d.BufferSize
	}
	return l
}

const (
	inlineHeaders = 8        // headers stored in the Frame's own allocation
	bodyChunk     = 64 << 10 // first allocation for an announced body
	maxEmptyReads = 100      // consecutive (0, nil) reads before giving up
	keepScratch   = 64 << 10 // header scratch kept between frames
)

// frameBlock puts a Frame and room for its first headers in one allocation.
type frameBlock struct {
	f Frame
	h [inlineHeaders]Header
}

// span locates one decoded header in Reader.hb: key hb[k:v], value hb[v:e].
type span struct{ k, v, e int }

// Reader reads STOMP frames from an io.Reader. It is not safe for concurrent
// use. After any error (limit, protocol, or I/O) it returns that error again
// on every call and never reads from the underlying reader again.
type Reader struct {
	src  io.Reader
	lim  Limits
	ver  uint8
	buf  []byte
	max  int  // the size buf may grow to
	grow bool // the last read filled buf: double it once it is empty
	// shorts counts reads in a row that filled less than an eighth of buf:
	// at shrinkAfter, buf halves once it is empty, so a connection that
	// was busy once does not keep a large buffer while it trickles.
	shorts int
	r, w   int   // unread data is buf[r:w]
	rerr   error // error from src not yet returned
	err    error // sticky error
	hb     []byte
	hs     []span
	// Under ReuseFrames: scratch receives every body not read whole into
	// buf, blk and hdrs hold every frame and its headers in turn.
	scratch []byte
	blk     *frameBlock
	hdrs    []Header
	reuse   bool
}

// ReuseFrames makes the Reader reuse its memory from one frame to the next:
// the Frame returned, its header strings and its body are valid only until
// the next ReadFrame, and a body that arrived whole in the read buffer is
// handed out from there, not copied. No allocation per frame: for readers
// that look at a frame and let it go (a load generator counting messages),
// never for frames that are kept.
func (r *Reader) ReuseFrames(on bool) {
	r.reuse = on
	if !on {
		r.scratch, r.blk, r.hdrs = nil, nil, nil
	}
}

// newBody returns an empty body with room for capHint bytes: a fresh
// allocation, or the scratch buffer under ReuseFrames.
func (r *Reader) newBody(capHint int) []byte {
	if !r.reuse {
		return make([]byte, 0, capHint)
	}
	if cap(r.scratch) < capHint {
		r.scratch = make([]byte, 0, capHint)
	}
	return r.scratch[:0]
}

// keepBody remembers a grown body as the scratch buffer (ReuseFrames).
func (r *Reader) keepBody(b []byte) {
	if r.reuse && cap(b) <= keepScratchBody {
		r.scratch = b[:0]
	}
}

// keepScratchBody bounds the body buffer kept under ReuseFrames.
const keepScratchBody = 16 << 20

// NewReader returns a Reader for STOMP 1.0 (the version before CONNECT is
// negotiated, as in ActiveMQ); call SetVersion after CONNECTED is sent.
func NewReader(src io.Reader, lim Limits) *Reader {
	lim = lim.withDefaults()
	n := lim.BufferSize
	if m := max(lim.MaxHeaderLine, lim.MaxCommand) + 2; n < m {
		n = m
	}
	return &Reader{src: src, lim: lim, buf: make([]byte, min(n, initialBuffer)), max: n}
}

// shrinkAfter is how many short reads in a row shrink the read buffer.
const shrinkAfter = 8

// initialBuffer is where a read buffer starts: an idle connection keeps no
// more (a CONNECT fits), a busy one doubles it on every read that fills it,
// up to Limits.BufferSize (or the longest line).
const initialBuffer = 512

// SetVersion selects header decoding for the frames read from now on:
//
//	"1.0": no unescaping; header values are trimmed of leading and trailing
//	       bytes <= 0x20 (ActiveMQ, for 1.0 clients sending "key: value");
//	       a CR before LF ends the line.
//	"1.1": \c \n \\ are unescaped, any other escape is a protocol error;
//	       values are kept as sent, a CR before LF included (ActiveMQ strips
//	       the CR only for 1.0 and 1.2); a line holding only CR still ends
//	       the headers.
//	"1.2": as 1.1 plus \r; a CR before LF ends the line.
//
// Headers of CONNECT, STOMP and CONNECTED frames are never unescaped. Any
// other string selects 1.0.
func (r *Reader) SetVersion(v string) { r.ver = versionLevel(v) }

// Version returns the version set with SetVersion.
func (r *Reader) Version() string {
	switch r.ver {
	case 1:
		return V11
	case 2:
		return V12
	}
	return V10
}

// ReadFrame returns the next frame. It returns (nil, nil) for a heart-beat:
// an EOL, or an otherwise blank line, where a command was expected. At a
// clean end of input it returns io.EOF; inside a frame, io.ErrUnexpectedEOF.
// A limit violation is a *LimitError, malformed input a *ProtocolError.
//
// The returned Frame, its header strings and body share no memory with the
// Reader and stay valid after later calls (unless ReuseFrames is on).
func (r *Reader) ReadFrame() (*Frame, error) {
	if r.err != nil {
		return nil, r.err
	}
	r.Wait()
	f, err := r.next()
	if err != nil {
		r.err = err
		r.hb, r.hs = nil, nil
	}
	return f, err
}

// Wait blocks until input is buffered (or reading fails), without reading
// a frame; a read error is kept for the next ReadFrame, which returns it as
// it would have. ReadFrame starts with it, so that a reader waiting for a
// client that sends nothing parks with only ReadFrame's and fill's frames
// below it, not the parser's: the runtime halves a parked goroutine's stack
// at a collection only while what it uses plus an 800-byte guard is under a
// quarter of it, and waiting inside the parser kept the 8 KB stack an idle
// connection's handshake had grown from shrinking to 4 KB.
func (r *Reader) Wait() {
	if r.err == nil && r.r == r.w {
		r.fill()
	}
}

// fill reads more input into buf, moving unread data to the front first
// when the end of buf is reached.
func (r *Reader) fill() error {
	if r.rerr != nil {
		return r.rerr
	}
	if r.r == r.w {
		r.r, r.w = 0, 0
		switch {
		case r.grow && len(r.buf) < r.max:
			r.buf = make([]byte, min(2*len(r.buf), r.max))
		case r.shorts >= shrinkAfter && len(r.buf) > initialBuffer:
			r.buf = make([]byte, max(len(r.buf)/2, initialBuffer))
			r.shorts = 0
		}
		r.grow = false
	} else if r.w == len(r.buf) {
		switch {
		case r.r > 0:
			r.w = copy(r.buf, r.buf[r.r:r.w])
			r.r = 0
		case len(r.buf) < r.max:
			nb := make([]byte, min(2*len(r.buf), r.max))
			r.w = copy(nb, r.buf[:r.w])
			r.buf = nb
		default:
			return errors.New("stomp frame: read buffer full")
		}
	}
	room := len(r.buf) - r.w
	n, err := r.read(r.buf[r.w:])
	r.w += n
	r.grow = r.grow || n == room
	if n < len(r.buf)/8 {
		r.shorts++
	} else {
		r.shorts = 0
	}
	return err
}

// read reads into p, which must not be empty, and returns an error only when
// it read nothing; an error that came with data is kept for the next call.
func (r *Reader) read(p []byte) (int, error) {
	if r.rerr != nil {
		return 0, r.rerr
	}
	for range maxEmptyReads {
		n, err := r.src.Read(p)
		if n < 0 || n > len(p) {
			r.rerr = errors.New("stomp frame: invalid count from Read")
			return 0, r.rerr
		}
		if err != nil {
			r.rerr = err
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if n > 0 {
			return n, nil
		}
	}
	r.rerr = io.ErrNoProgress
	return 0, r.rerr
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readLine returns the next line without its LF (a CR before it is kept) as
// a slice of buf, valid until the next fill. A line longer than max bytes,
// not counting a CR before the LF, is a LimitError, reported as soon as the
// bytes buffered without a LF prove it.
func (r *Reader) readLine(max int, what string) ([]byte, error) {
	scanned := 0
	for {
		if i := bytes.IndexByte(r.buf[r.r+scanned:r.w], '\n'); i >= 0 {
			end := r.r + scanned + i
			line := r.buf[r.r:end]
			r.r = end + 1
			n := len(line)
			if n > 0 && line[n-1] == '\r' {
				n--
			}
			if n > max {
				return nil, &LimitError{What: what, Limit: int64(max)}
			}
			return line, nil
		}
		scanned = r.w - r.r
		if scanned > max+1 {
			return nil, &LimitError{What: what, Limit: int64(max)}
		}
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
}

func (r *Reader) next() (*Frame, error) {
	// NULs where a command is expected are skipped.
	for {
		for r.r < r.w && r.buf[r.r] == 0 {
			r.r++
		}
		if r.r < r.w {
			break
		}
		if err := r.fill(); err != nil {
			return nil, err
		}
	}

	line, err := r.readLine(r.lim.MaxCommand, LimitCommand)
	if err != nil {
		return nil, unexpected(err)
	}
	cmdBytes := trimCtl(line)
	if len(cmdBytes) == 0 {
		return nil, nil
	}
	cmd := internCommand(cmdBytes)
	size := int64(len(cmdBytes))
	if size > r.lim.MaxFrameSize {
		return nil, &LimitError{What: LimitFrame, Limit: r.lim.MaxFrameSize}
	}

	if err := r.readHeaders(cmd, &size); err != nil {
		return nil, unexpected(err)
	}
	f := r.buildFrame(cmd)

	var body []byte
	if cl, ok := f.Get(HeaderContentLength); ok {
		n, err := r.contentLength(cl, size)
		if err != nil {
			return nil, err
		}
		body, err = r.readBodyN(n)
		if err != nil {
			return nil, unexpected(err)
		}
	} else {
		body, err = r.readBodyNul(size)
		if err != nil {
			return nil, unexpected(err)
		}
	}
	f.Body = body
	return f, nil
}

// readHeaders decodes header lines up to the blank line into r.hb / r.hs.
func (r *Reader) readHeaders(cmd string, size *int64) error {
	r.hb, r.hs = r.hb[:0], r.hs[:0]
	unescape := r.ver > 0 && !rawHeaders(cmd)
	for {
		line, err := r.readLine(r.lim.MaxHeaderLine, LimitHeaderLine)
		if err != nil {
			return err
		}
		if n := len(line); n > 0 && line[n-1] == '\r' && (r.ver != 1 || n == 1) {
			line = line[:n-1]
		}
		if len(line) == 0 {
			return nil
		}
		if len(r.hs) >= r.lim.MaxHeaders {
			return &LimitError{What: LimitHeaders, Limit: int64(r.lim.MaxHeaders)}
		}
		*size += int64(len(line))
		if *size > r.lim.MaxFrameSize {
			return &LimitError{What: LimitFrame, Limit: r.lim.MaxFrameSize}
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			return &ProtocolError{Msg: "Unable to parse header line [" + quoteLine(line) + "]: no ':' separator"}
		}
		key, val := line[:colon], line[colon+1:]
		if r.ver == 0 {
			val = trimCtl(val)
		}
		k := len(r.hb)
		var ok bool
		if unescape && bytes.IndexByte(line, '\\') >= 0 {
			if r.hb, ok = appendUnescaped(r.hb, key, r.ver == 2); ok {
				v := len(r.hb)
				if r.hb, ok = appendUnescaped(r.hb, val, r.ver == 2); ok {
					r.hs = append(r.hs, span{k, v, len(r.hb)})
				}
			}
			if !ok {
				return &ProtocolError{Msg: "Invalid escape sequence in header line [" + quoteLine(line) + "]"}
			}
		} else {
			r.hb = append(r.hb, key...)
			v := len(r.hb)
			r.hb = append(r.hb, val...)
			r.hs = append(r.hs, span{k, v, len(r.hb)})
		}
	}
}

// appendUnescaped appends src to dst with the STOMP 1.1 escapes (and \r for
// 1.2) decoded; ok is false for any other escape or a trailing backslash.
// Escaped values are mostly message ids, "ID\chost-...\c1\c1\c1\c42": the
// runs between escapes are short, so one pass byte by byte into room made
// once beats copying run by run.
func appendUnescaped(dst, src []byte, v12 bool) ([]byte, bool) {
	n := len(dst)
	dst = slices.Grow(dst, len(src)) // decoding never lengthens
	out := dst[n : n+len(src)]
	j := 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\\' {
			if i++; i == len(src) {
				return dst[:n+j], false
			}
			switch src[i] {
			case 'n':
				c = '\n'
			case 'c':
				c = ':'
			case '\\':
				c = '\\'
			case 'r':
				if !v12 {
					return dst[:n+j], false
				}
				c = '\r'
			default:
				return dst[:n+j], false
			}
		}
		out[j] = c
		j++
	}
	return dst[:n+j], true
}

// buildFrame makes the Frame: one allocation for the Frame and up to
// inlineHeaders headers, one string holding every key and value. Under
// ReuseFrames it allocates nothing: the Frame is the Reader's own and the
// strings are views of r.hb, both overwritten by the next frame.
func (r *Reader) buildFrame(cmd string) *Frame {
	var blk *frameBlock
	if r.reuse {
		if r.blk == nil {
			r.blk = new(frameBlock)
		}
		blk = r.blk
		blk.f = Frame{}
	} else {
		blk = new(frameBlock)
	}
	f := &blk.f
	f.Command = cmd
	n := len(r.hs)
	if n == 0 {
		return f
	}
	switch {
	case n <= inlineHeaders:
		f.Headers = blk.h[:n]
	case r.reuse && n <= DefaultMaxHeaders:
		if cap(r.hdrs) < n {
			r.hdrs = make([]Header, n)
		}
		f.Headers = r.hdrs[:n]
	default:
		f.Headers = make([]Header, n)
	}
	var all string
	if r.reuse {
		all = unsafe.String(unsafe.SliceData(r.hb), len(r.hb))
	} else {
		all = string(r.hb)
	}
	for i, s := range r.hs {
		f.Headers[i] = Header{Key: all[s.k:s.v], Value: all[s.v:s.e]}
	}
	if cap(r.hb) > keepScratch {
		r.hb = nil
	}
	if cap(r.hs) > DefaultMaxHeaders {
		r.hs = nil
	}
	return f
}

// contentLength parses a content-length value the way ActiveMQ does (the
// value is trimmed first) but accepts only decimal digits.
func (r *Reader) contentLength(s string, size int64) (int, error) {
	s = trimCtl(s)
	if s == "" {
		return 0, &ProtocolError{Msg: msgBadContentLength}
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, &ProtocolError{Msg: msgBadContentLength}
		}
		n = n*10 + int(c-'0')
		if n > math.MaxInt32 {
			return 0, &ProtocolError{Msg: msgBadContentLength}
		}
	}
	if n > r.lim.MaxDataLength {
		return 0, &LimitError{What: LimitData, Limit: int64(r.lim.MaxDataLength)}
	}
	if size+int64(n) > r.lim.MaxFrameSize {
		return 0, &LimitError{What: LimitFrame, Limit: r.lim.MaxFrameSize}
	}
	return n, nil
}

// readBodyN reads an n-byte body and the NUL after it. The body grows as
// data arrives; large remainders are read straight into it.
func (r *Reader) readBodyN(n int) ([]byte, error) {
	if r.w-r.r > n {
		var body []byte
		switch {
		case n > 0 && r.reuse:
			// Valid until the next ReadFrame, which alone refills buf.
			body = r.buf[r.r : r.r+n : r.r+n]
		case n > 0:
			// A copy by append is not zeroed first, as make would be.
			body = append([]byte(nil), r.buf[r.r:r.r+n]...)
		}
		if r.buf[r.r+n] != 0 {
			return nil, &ProtocolError{Msg: msgNoTrailingNul}
		}
		r.r += n + 1
		return body, nil
	}
	var body []byte
	if n > 0 {
		body = r.newBody(min(n, bodyChunk))
	}
	defer func() { r.keepBody(body) }()
	for len(body) < n {
		if r.r < r.w {
			k := min(n-len(body), r.w-r.r)
			body = growBody(body, k, n)
			body = append(body, r.buf[r.r:r.r+k]...)
			r.r += k
			continue
		}
		if n-len(body) >= len(r.buf) {
			body = growBody(body, 1, n)
			k, err := r.read(body[len(body):cap(body)])
			if err != nil {
				return nil, err
			}
			body = body[:len(body)+k]
			continue
		}
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
	for r.r == r.w {
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
	if r.buf[r.r] != 0 {
		return nil, &ProtocolError{Msg: msgNoTrailingNul}
	}
	r.r++
	return body, nil
}

// growBody makes room for k more bytes, doubling but never past total.
func growBody(b []byte, k, total int) []byte {
	if cap(b)-len(b) >= k {
		return b
	}
	c := min(max(2*cap(b), len(b)+k), total)
	nb := make([]byte, len(b), c)
	copy(nb, b)
	return nb
}

// readBodyNul reads a body ended by the first NUL.
func (r *Reader) readBodyNul(size int64) ([]byte, error) {
	var body []byte
	for {
		chunk := r.buf[r.r:r.w]
		i := bytes.IndexByte(chunk, 0)
		if i >= 0 {
			chunk = chunk[:i]
		}
		n := len(body) + len(chunk)
		if n > r.lim.MaxDataLength {
			return nil, &LimitError{What: LimitData, Limit: int64(r.lim.MaxDataLength)}
		}
		if size+int64(n) > r.lim.MaxFrameSize {
			return nil, &LimitError{What: LimitFrame, Limit: r.lim.MaxFrameSize}
		}
		if i >= 0 {
			r.r += i + 1
			switch {
			case body == nil && len(chunk) > 0 && r.reuse:
				return chunk[:i:i], nil // a view of buf, as in readBodyN
			case body == nil && len(chunk) > 0:
				body = append(r.newBody(len(chunk)), chunk...)
			case body != nil:
				body = append(body, chunk...)
			}
			r.keepBody(body)
			return body, nil
		}
		if body == nil && len(chunk) > 0 {
			body = r.newBody(len(chunk))
		}
		body = append(body, chunk...)
		r.r = r.w
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
}
