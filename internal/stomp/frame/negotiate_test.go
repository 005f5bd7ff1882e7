package frame

import (
	"errors"
	"testing"
)

func TestNegotiateVersion(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", V10},
		{"1.0", V10},
		{"1.1", V11},
		{"1.2", V12},
		{"1.0,1.1", V11},
		{"1.2,1.0", V12},
		{"1.0,1.1,1.2", V12},
		{"1.1,2.0", V11},
		{" 1.1,1.0 ", V11},
		{"1.0, 1.2", V10},
	} {
		got, err := NegotiateVersion(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NegotiateVersion(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, msg string }{
		{"2.0", "Invalid Protocol version[2.0], supported versions are: [1.2, 1.1, 1.0]"},
		{"1.3,0.9", "Invalid Protocol version[1.3,0.9], supported versions are: [1.2, 1.1, 1.0]"},
		{" ", "Invalid Protocol version[ ], supported versions are: [1.2, 1.1, 1.0]"},
		{"1.1 ,1.2 ,", "Invalid Protocol version[1.1 ,1.2 ,], supported versions are: [1.2, 1.1, 1.0]"},
	} {
		_, err := NegotiateVersion(tc.in)
		var pe *ProtocolError
		if !errors.As(err, &pe) || err.Error() != tc.msg {
			t.Errorf("NegotiateVersion(%q) error = %v, want %q", tc.in, err, tc.msg)
		}
	}
}

func TestParseHeartBeat(t *testing.T) {
	for _, tc := range []struct {
		in     string
		cx, cy int
	}{
		{"0,0", 0, 0},
		{"1000,5000", 1000, 5000},
		{" 10,20 ", 10, 20},
		{"0010,02", 10, 2},
		{"9223372036854775807,0", 9223372036854775807, 0},
	} {
		cx, cy, err := ParseHeartBeat(tc.in)
		if err != nil || cx != tc.cx || cy != tc.cy {
			t.Errorf("ParseHeartBeat(%q) = %d, %d, %v", tc.in, cx, cy, err)
		}
	}
	for _, in := range []string{
		"", "0", "0,", ",0", "0,0,0", "-1,0", "0,-1", "+1,0", "1, 2", "1 ,2", "a,b",
		"1.5,2", "9223372036854775808,0", "0x10,0", "1,2,",
	} {
		_, _, err := ParseHeartBeat(in)
		var pe *ProtocolError
		if !errors.As(err, &pe) {
			t.Errorf("ParseHeartBeat(%q) error = %v, want *ProtocolError", in, err)
		} else if want := "Invalid heart-beat header:" + trimCtl(in); err.Error() != want {
			t.Errorf("ParseHeartBeat(%q) error %q, want %q", in, err, want)
		}
	}
}
