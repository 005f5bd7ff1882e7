package transport

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"amq/broker"
	"amq/internal/config"
	"amq/internal/stomp"
	"amq/internal/stomp/frame"
)

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// stompOverWS starts a broker, a STOMP server and a WebSocket server in
// front of it, returning the ws:// URL.
func stompOverWS(t *testing.T) (string, *WSServer, *stomp.Server) {
	t.Helper()
	b, err := broker.New(broker.Config{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := stomp.NewServer(stomp.Options{Broker: b, Logger: quietLogger()})
	u, _ := config.ParseConnectorURI("ws://127.0.0.1:0")
	l, err := Listen(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws := NewWSServer(srv.ServeConn, WSOptions{Logger: quietLogger(), Name: "ws"})
	done := make(chan error, 1)
	go func() { done <- ws.Serve(l) }()
	t.Cleanup(func() {
		ws.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		srv.Close()
		b.Close()
	})
	return "ws://" + l.Addr().String() + "/", ws, srv
}

type wsClient struct {
	t *testing.T
	c *websocket.Conn
}

func dialWS(t *testing.T, url string, protos ...string) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: protos})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return &wsClient{t: t, c: c}
}

func (w *wsClient) send(typ websocket.MessageType, s string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.c.Write(ctx, typ, []byte(s)); err != nil {
		w.t.Fatal(err)
	}
}

// frames reads messages until n frames have arrived (a message may hold
// several; heart-beat newlines are skipped).
func (w *wsClient) frames(n int) []*frame.Frame {
	w.t.Helper()
	var buf bytes.Buffer
	var out []*frame.Frame
	for len(out) < n {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		typ, data, err := w.c.Read(ctx)
		cancel()
		if err != nil {
			w.t.Fatalf("after %d frames: %v", len(out), err)
		}
		if typ != websocket.MessageText {
			w.t.Fatalf("message type %v, want text", typ)
		}
		buf.Write(data)
		rd := frame.NewReader(bytes.NewReader(buf.Bytes()), frame.Limits{})
		out = out[:0]
		for {
			f, err := rd.ReadFrame()
			if err != nil {
				break
			}
			if f != nil {
				out = append(out, f)
			}
		}
	}
	return out
}

func (w *wsClient) frame() *frame.Frame {
	w.t.Helper()
	return w.frames(1)[0]
}

func header(f *frame.Frame, k string) string {
	v, _ := f.Get(k)
	return v
}

func TestWebSocketSTOMP(t *testing.T) {
	url, ws, _ := stompOverWS(t)
	c := dialWS(t, url, "v12.stomp")
	if c.c.Subprotocol() != "v12.stomp" {
		t.Fatalf("subprotocol %q", c.c.Subprotocol())
	}
	c.send(websocket.MessageText, "CONNECT\naccept-version:1.2\nhost:localhost\n\n\x00")
	f := c.frame()
	if f.Command != "CONNECTED" || header(f, "version") != "1.2" {
		t.Fatalf("%s %v", f.Command, f.Headers)
	}
	if ws.Connections() != 1 {
		t.Fatalf("%d connections", ws.Connections())
	}

	// A SUBSCRIBE with a receipt, then a SEND split across two messages.
	c.send(websocket.MessageText, "SUBSCRIBE\nid:0\ndestination:/queue/ws.test\nack:auto\nreceipt:r1\n\n\x00")
	if f := c.frame(); f.Command != "RECEIPT" || header(f, "receipt-id") != "r1" {
		t.Fatalf("%s %v", f.Command, f.Headers)
	}
	c.send(websocket.MessageText, "SEND\ndestination:/queue/ws.test\ncontent-type:text/plain\n\nhel")
	c.send(websocket.MessageText, "lo world\x00")
	f = c.frame()
	if f.Command != "MESSAGE" || string(f.Body) != "hello world" || header(f, "destination") != "/queue/ws.test" {
		t.Fatalf("%s %v %q", f.Command, f.Headers, f.Body)
	}

	// Several frames in one message; a binary message is read too.
	c.send(websocket.MessageText, "SEND\ndestination:/queue/ws.test\n\none\x00\nSEND\ndestination:/queue/ws.test\n\ntwo\x00")
	c.send(websocket.MessageBinary, "SEND\ndestination:/queue/ws.test\n\nthree\x00")
	got := c.frames(3)
	var bodies []string
	for _, f := range got {
		bodies = append(bodies, string(f.Body))
	}
	if strings.Join(bodies, ",") != "one,two,three" {
		t.Fatalf("bodies %v", bodies)
	}

	c.send(websocket.MessageText, "DISCONNECT\nreceipt:bye\n\n\x00")
	if f := c.frame(); f.Command != "RECEIPT" || header(f, "receipt-id") != "bye" {
		t.Fatalf("%s %v", f.Command, f.Headers)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, err := c.c.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("after DISCONNECT: %v", err)
	}
	waitFor(t, func() bool { return ws.Connections() == 0 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWebSocketSubprotocols(t *testing.T) {
	url, _, _ := stompOverWS(t)
	for _, tc := range []struct {
		offer []string
		want  string
	}{
		{nil, ""},
		{[]string{"stomp"}, "stomp"},
		{[]string{"v10.stomp", "v11.stomp", "v12.stomp"}, "v10.stomp"}, // stompjs' order: the client's first choice
		{[]string{"v11.stomp"}, "v11.stomp"},
		{[]string{"chat", "v12.stomp"}, "v12.stomp"},
	} {
		c := dialWS(t, url, tc.offer...)
		if c.c.Subprotocol() != tc.want {
			t.Errorf("offer %v: got %q, want %q", tc.offer, c.c.Subprotocol(), tc.want)
		}
		c.send(websocket.MessageText, "CONNECT\naccept-version:1.1,1.2\n\n\x00")
		if f := c.frame(); f.Command != "CONNECTED" {
			t.Errorf("offer %v: %s", tc.offer, f.Command)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"mqttv3.1", "mqtt"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("MQTT offer: %v %v", err, resp)
	}
	// A plain GET explains itself.
	r, err := http.Get("http" + strings.TrimPrefix(url, "ws"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusUpgradeRequired || !strings.Contains(string(body), "STOMP over WebSocket") {
		t.Fatalf("%d %s", r.StatusCode, body)
	}
}

func TestWebSocketFatalErrorCloses(t *testing.T) {
	url, ws, _ := stompOverWS(t)
	c := dialWS(t, url, "v12.stomp")
	c.send(websocket.MessageText, "CONNECT\naccept-version:9.9\n\n\x00")
	if f := c.frame(); f.Command != "ERROR" || !strings.Contains(header(f, "message"), "Invalid Protocol version") {
		t.Fatalf("%s %v", f.Command, f.Headers)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := c.c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("after ERROR: %v", err)
	}
	waitFor(t, func() bool { return ws.Connections() == 0 })
}

func TestWebSocketCloseEndsSockets(t *testing.T) {
	url, ws, srv := stompOverWS(t)
	var clients []*wsClient
	for range 3 {
		c := dialWS(t, url, "v12.stomp")
		c.send(websocket.MessageText, "CONNECT\naccept-version:1.2\n\n\x00")
		c.frame()
		clients = append(clients, c)
	}
	waitFor(t, func() bool { return ws.Connections() == 3 && srv.Connections() == 3 })
	// Clients read (as browsers do), so they answer the close handshake.
	errs := make(chan error, len(clients))
	for _, c := range clients {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, _, err := c.c.Read(ctx)
			errs <- err
		}()
	}
	start := time.Now()
	if err := ws.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v", d)
	}
	for range clients {
		err := <-errs
		if s := websocket.CloseStatus(err); s != websocket.StatusGoingAway {
			t.Fatalf("client read after Close: %v (status %v)", err, s)
		}
	}
	if ws.Connections() != 0 {
		t.Fatalf("%d connections left", ws.Connections())
	}
	waitFor(t, func() bool { return srv.Connections() == 0 })
	// Nothing new is accepted.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, _, err := websocket.Dial(ctx, url, nil); err == nil {
		t.Fatal("dial after Close succeeded")
	}
}

// TestWebSocketConnSemantics checks the net.Conn adapter directly: read
// deadlines time out without breaking the connection, Close unblocks Read.
func TestWebSocketConnSemantics(t *testing.T) {
	conns := make(chan net.Conn, 1)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := ServeWebSocket(l, nil, func(c net.Conn) { conns <- c }, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	c := dialWS(t, "ws://"+l.Addr().String()+"/stomp", "v12.stomp")
	nc := <-conns
	if nc.RemoteAddr() == nil || !strings.HasPrefix(nc.RemoteAddr().String(), "127.0.0.1:") || nc.LocalAddr().String() != l.Addr().String() {
		t.Fatalf("addresses %v %v", nc.RemoteAddr(), nc.LocalAddr())
	}
	if _, ok := TLSConnectionState(nc); ok {
		t.Fatal("plain ws reports TLS")
	}
	nc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	buf := make([]byte, 4)
	_, err = nc.Read(buf)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read with deadline: %v", err)
	}
	nc.SetReadDeadline(time.Time{})
	c.send(websocket.MessageText, "abcdef")
	var got []byte
	for len(got) < 6 {
		n, err := nc.Read(buf) // smaller than the message
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != "abcdef" {
		t.Fatalf("%q", got)
	}
	// A deadline moved while Read waits takes effect.
	errc := make(chan error, 1)
	go func() {
		_, err := nc.Read(buf)
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	nc.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	select {
	case err := <-errc:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("%v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("deadline set during Read ignored")
	}
	// Writes: UTF-8 as text, other bytes as binary.
	nc.Write([]byte("MESSAGE\n\n\x00"))
	nc.Write([]byte{0xff, 0x00})
	for _, want := range []websocket.MessageType{websocket.MessageText, websocket.MessageBinary} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		typ, _, err := c.c.Read(ctx)
		cancel()
		if err != nil || typ != want {
			t.Fatalf("got %v %v, want %v", typ, err, want)
		}
	}
	// Close unblocks a pending Read at once.
	nc.SetReadDeadline(time.Time{})
	go func() {
		_, err := nc.Read(buf)
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	nc.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("%v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not unblock Read")
	}
	if _, err := nc.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := c.c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("client saw %v", err)
	}
}

func TestWebSocketClientCloses(t *testing.T) {
	conns := make(chan net.Conn, 1)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	ws, _ := ServeWebSocket(l, nil, func(c net.Conn) { conns <- c }, quietLogger())
	defer ws.Close()
	c := dialWS(t, "ws://"+l.Addr().String()+"/", "v12.stomp")
	nc := <-conns
	c.send(websocket.MessageText, "x")
	go c.c.Close(websocket.StatusNormalClosure, "")
	buf := make([]byte, 8)
	n, err := nc.Read(buf)
	if n != 1 || err != nil {
		t.Fatalf("%d %v", n, err)
	}
	if _, err := nc.Read(buf); err != io.EOF {
		t.Fatalf("after the client closed: %v", err)
	}
	nc.Close()
	waitFor(t, func() bool { return ws.Connections() == 0 })
}

func TestWSSWithClientCertificate(t *testing.T) {
	certPEM, keyPEM, _, cert := selfSigned(t)
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	clientCert, clientX := clientSelfSigned(t, "ws client")
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(clientX)
	serverCfg := &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: clientCAs, MinVersion: tls.VersionTLS12}
	u, _ := config.ParseConnectorURI("wss://127.0.0.1:0?transport.needClientAuth=true")
	l, err := Listen(u, serverCfg)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var state *tls.ConnectionState
	got := make(chan net.Conn, 1)
	ws := NewWSServer(func(c net.Conn) {
		mu.Lock()
		state, _ = TLSConnectionState(c)
		mu.Unlock()
		if _, ok := c.(interface{ ConnectionState() tls.ConnectionState }); !ok {
			t.Error("wss connection does not offer ConnectionState")
		}
		got <- c
	}, WSOptions{Logger: quietLogger()})
	go ws.Serve(l)
	defer ws.Close()

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := websocket.Dial(ctx, "wss://"+l.Addr().String()+"/", &websocket.DialOptions{HTTPClient: client}); err == nil {
		t.Fatal("wss without client certificate accepted")
	}
	client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost", Certificates: []tls.Certificate{clientCert}}}}
	c, _, err := websocket.Dial(ctx, "wss://"+l.Addr().String()+"/", &websocket.DialOptions{HTTPClient: client, Subprotocols: []string{"v12.stomp"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	nc := <-got
	defer nc.Close()
	mu.Lock()
	defer mu.Unlock()
	if state == nil || len(state.VerifiedChains) == 0 || state.VerifiedChains[0][0].Subject.CommonName != "ws client" {
		t.Fatalf("TLS state %+v", state)
	}
}

func clientSelfSigned(t *testing.T, cn string) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(9),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: c}, c
}
