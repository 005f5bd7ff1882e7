package wire

// Strings remembers the last few short strings one stream decoded, so that
// the ids and destination names a client repeats in every frame (its
// connection id in each ProducerId and MessageId, the destination it sends
// to) are decoded and allocated once, not in every frame. It is not safe
// for concurrent use: a Codec carrying one belongs to one reader.
type Strings struct {
	recent [stringsKept]string
	next   int
}

const (
	// stringsKept covers what a busy connection repeats: a producer's
	// connection id and destination, and in acks a consumer's connection
	// id, its destination and the producers' connection ids.
	stringsKept = 8
	// stringsMaxLen bounds what is kept: ids and names, not payloads.
	stringsMaxLen = 256
)

// NewStrings returns an empty cache.
func NewStrings() *Strings { return &Strings{} }

// lookup returns a kept string equal to raw. Only strings whose modified
// UTF-8 encoding is the string itself are kept, so it is what decoding raw
// would give.
func (s *Strings) lookup(raw []byte) (string, bool) {
	for _, k := range s.recent {
		if len(k) == len(raw) && k == string(raw) {
			return k, true
		}
	}
	return "", false
}

// keep remembers str, replacing the oldest string kept.
func (s *Strings) keep(str string) {
	s.recent[s.next] = str
	s.next = (s.next + 1) % stringsKept
}
