package frame

import "strings"

// supportedList is how ActiveMQ prints its supported versions.
const supportedList = "[1.2, 1.1, 1.0]"

// NegotiateVersion picks the version for a CONNECT/STOMP frame from its
// accept-version header value: the highest of 1.0, 1.1 and 1.2 listed.
// Pass "" when the header is absent, which selects 1.0. As in ActiveMQ the
// value is trimmed and split on ',' and the parts are not trimmed, so
// "1.0, 1.1" selects 1.0. When no listed version is supported the error is a
// *ProtocolError with ActiveMQ's text.
func NegotiateVersion(acceptVersion string) (string, error) {
	if acceptVersion == "" {
		return V10, nil
	}
	best := ""
	for part := range strings.SplitSeq(trimCtl(acceptVersion), ",") {
		switch part {
		case V10, V11, V12:
			if part > best {
				best = part
			}
		}
	}
	if best == "" {
		return "", &ProtocolError{Msg: "Invalid Protocol version[" + acceptVersion +
			"], supported versions are: " + supportedList}
	}
	return best, nil
}

// ParseHeartBeat parses a heart-beat header value "cx,cy" (surrounding bytes
// <= 0x20 are trimmed, as ActiveMQ does). Each part must be a non-negative
// decimal integer of digits only. A missing header is the caller's business
// (ActiveMQ then uses "0,0"). The error is a *ProtocolError with ActiveMQ's
// text.
func ParseHeartBeat(s string) (cx, cy int, err error) {
	t := trimCtl(s)
	a, b, ok := strings.Cut(t, ",")
	if ok {
		var okA, okB bool
		cx, okA = parseDigits(a)
		cy, okB = parseDigits(b)
		if okA && okB {
			return cx, cy, nil
		}
	}
	return 0, 0, &ProtocolError{Msg: "Invalid heart-beat header:" + t}
}

// parseDigits parses a non-empty run of decimal digits that fits an int64.
func parseDigits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int(c - '0')
		if n > (maxInt-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

const maxInt = int(^uint(0) >> 1)
