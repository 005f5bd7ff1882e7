package openwire

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"io"

	"amq/broker"
	"amq/internal/openwire/wire"
)

// ConvertBody turns a body kept in OpenWire form (m.BodyEncoding ==
// broker.EncOpenWire) into what a STOMP client receives:
//
//   - TextMessage: the text as UTF-8 (nil for a null text);
//   - BytesMessage and BlobMessage: the raw bytes;
//   - MapMessage: a JSON object of the entries (byte arrays as base64,
//     chars as one-character strings, nested maps and lists as JSON);
//   - StreamMessage: a JSON array of the values, rendered the same way;
//   - ObjectMessage: the Java-serialized object bytes as the producer
//     wrote them;
//   - a plain Message: no body.
//
// Compressed bodies are inflated first. Native bodies are returned as they
// are.
func ConvertBody(m *broker.Message) ([]byte, error) {
	if m.BodyEncoding != broker.EncOpenWire {
		return m.Body, nil
	}
	switch m.BodyKind {
	case broker.BodyText:
		text, isNull, err := wire.TextBody(m.Body, m.Compressed)
		if err != nil || isNull {
			return nil, err
		}
		return []byte(text), nil
	case broker.BodyBytes, broker.BodyBlob:
		return wire.BytesBody(m.Body, m.Compressed)
	case broker.BodyMap:
		mp, err := wire.MapBody(m.Body, m.Compressed)
		if err != nil {
			return nil, err
		}
		return json.Marshal(jsonable(mp))
	case broker.BodyStream:
		vs, err := wire.StreamBody(m.Body, m.Compressed)
		if err != nil {
			return nil, err
		}
		if vs == nil {
			vs = []any{}
		}
		return json.Marshal(jsonable(vs))
	case broker.BodyObject:
		if !m.Compressed || len(m.Body) == 0 {
			return m.Body, nil
		}
		return inflate(m.Body)
	}
	return nil, nil
}

// inflate undoes the client's DeflaterOutputStream, bounded like the
// codec's body decoding.
func inflate(b []byte) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("inflate object body: %w", err)
	}
	defer zr.Close()
	var out bytes.Buffer
	n, err := io.Copy(&out, io.LimitReader(zr, wire.MaxInflatedBodySize+1))
	if err != nil {
		return nil, fmt.Errorf("inflate object body: %w", err)
	}
	if n > wire.MaxInflatedBodySize {
		return nil, fmt.Errorf("object body inflates to more than %d bytes", wire.MaxInflatedBodySize)
	}
	return out.Bytes(), nil
}
