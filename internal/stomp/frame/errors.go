package frame

import "strconv"

// Values of LimitError.What.
const (
	LimitCommand    = "command"     // Limits.MaxCommand
	LimitHeaderLine = "header line" // Limits.MaxHeaderLine
	LimitHeaders    = "headers"     // Limits.MaxHeaders
	LimitData       = "data"        // Limits.MaxDataLength
	LimitFrame      = "frame"       // Limits.MaxFrameSize
)

// LimitError reports that a frame went over one of the Limits. Its Error text
// is the one ActiveMQ puts in the message header of the ERROR frame it sends
// before closing the connection.
type LimitError struct {
	What  string // one of the Limit* constants
	Limit int64  // the limit that was exceeded
}

func (e *LimitError) Error() string {
	switch e.What {
	case LimitCommand:
		return "The maximum command length was exceeded"
	case LimitHeaderLine:
		return "The maximum header length was exceeded"
	case LimitHeaders:
		return "The maximum number of headers was exceeded"
	case LimitData:
		return "The maximum data length was exceeded"
	case LimitFrame:
		return "The maximum frame size was exceeded"
	}
	return "The maximum " + e.What + " (" + strconv.FormatInt(e.Limit, 10) + ") was exceeded"
}

// ProtocolError reports malformed input. Msg is fit for the message header of
// an ERROR frame.
type ProtocolError struct {
	Msg string
}

func (e *ProtocolError) Error() string { return e.Msg }

// Messages of ProtocolErrors that have ActiveMQ counterparts.
const (
	msgBadContentLength = "Specified content-length is not a valid integer"
	msgNoTrailingNul    = "content-length bytes were read and there was no trailing null byte"
)

// quoteLine renders (a prefix of) a raw header line for an error message.
func quoteLine(b []byte) string {
	const max = 64
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "..."
	}
	return strconv.Quote(string(b))
}
