package e2e

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"amq/internal/stomp/frame"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// stompConn is a minimal raw STOMP 1.2 client for the crash tests.
type stompConn struct {
	nc net.Conn
	rd *frame.Reader
	mu sync.Mutex // serialises writes
}

func dialStomp(addr string) (*stompConn, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	c := &stompConn{nc: nc, rd: frame.NewReader(nc, frame.Limits{})}
	if err := c.write("CONNECT\naccept-version:1.2\nheart-beat:0,0\n\n\x00"); err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	f, err := c.next()
	if err != nil || f.Command != "CONNECTED" {
		nc.Close()
		return nil, fmt.Errorf("connect: %v %v", f, err)
	}
	c.rd.SetVersion("1.2")
	return c, nil
}

func (c *stompConn) write(s string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := c.nc.Write([]byte(s))
	return err
}

func (c *stompConn) next() (*frame.Frame, error) {
	for {
		f, err := c.rd.ReadFrame()
		if err != nil || f != nil {
			return f, err
		}
	}
}

func crashConfig(store string) string {
	return crashConfigWith(store, "")
}

// crashConfigWith builds the crash test's activemq.xml; jdbcURL names the
// database for the postgres and mysql stores.
func crashConfigWith(store, jdbcURL string) string {
	persistence := `<persistenceAdapter><levelDB directory="${activemq.data}/leveldb"/></persistenceAdapter>`
	bean := ""
	switch store {
	case "sqlite":
		persistence = `<persistenceAdapter><jdbcPersistenceAdapter dataDirectory="${activemq.data}/sql"/></persistenceAdapter>`
	case "postgres", "mysql":
		persistence = `<persistenceAdapter><jdbcPersistenceAdapter dataSource="#ds"/></persistenceAdapter>`
		bean = `<bean id="ds" class="org.apache.commons.dbcp2.BasicDataSource"><property name="url" value="` + jdbcURL + `"/></bean>`
	}
	return `<beans xmlns="http://www.springframework.org/schema/beans">
  ` + bean + `
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="crash" dataDirectory="${activemq.data}">
    ` + persistence + `
    <transportConnectors><transportConnector name="stomp" uri="stomp://127.0.0.1:0"/></transportConnectors>
  </broker>
</beans>`
}

// TestCrashNoReceiptedMessageLost kills the real broker with SIGKILL while
// producers send persistent messages with receipts and consumers ack them,
// many rounds. After each restart every receipted message that was neither
// receipted as acked nor consumed without waiting for a receipt is delivered
// exactly once; nothing is invented.
func TestCrashNoReceiptedMessageLost(t *testing.T) {
	rounds := 4
	if os.Getenv("AMQ_LONG") != "" {
		rounds = 25
	}
	for _, st := range []string{"leveldb", "sqlite", "postgres", "mysql"} {
		t.Run(st, func(t *testing.T) {
			dir := t.TempDir()
			cfg := crashConfig(st)
			if st == "postgres" || st == "mysql" {
				cfg = crashConfigWith(st, freshDatabase(t, st))
			}
			total := 0
			for round := 0; round < rounds; round++ {
				n := crashRound(t, cfg, dir, round)
				total += n
			}
			t.Logf("%s: %d rounds, %d receipted messages verified", st, rounds, total)
		})
	}
}

// crashRound runs one kill -9 round and returns how many receipted messages it checked.
func crashRound(t *testing.T, cfg, dir string, round int) int {
	p := startBroker(t, cfg, dir)
	addr := p.addr("stomp")
	queue := fmt.Sprintf("/queue/crash%d", round)

	var mu sync.Mutex
	receipted := map[string]bool{} // sends the broker confirmed
	acked := map[string]bool{}     // acks the broker confirmed
	received := map[string]bool{}  // consumed without waiting for a receipt
	sent := map[string]bool{}      // everything attempted
	var wg sync.WaitGroup
	stop := make(chan struct{})
	const producers = 4
	for pi := 0; pi < producers; pi++ {
		wg.Add(1)
		go func(pi int) {
			defer wg.Done()
			c, err := dialStomp(addr)
			if err != nil {
				return
			}
			defer c.nc.Close()
			// A reader collecting receipts; sends are pipelined up to a window.
			inflight := make(chan string, 64)
			go func() {
				for {
					c.nc.SetReadDeadline(time.Now().Add(30 * time.Second))
					f, err := c.next()
					if err != nil {
						return
					}
					if f.Command == "RECEIPT" {
						id, _ := f.Get("receipt-id")
						mu.Lock()
						receipted[id] = true
						mu.Unlock()
						<-inflight
					}
				}
			}()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("r%d-p%d-%d", round, pi, i)
				mu.Lock()
				sent[id] = true
				mu.Unlock()
				select {
				case inflight <- id:
				case <-stop:
					return
				}
				if c.write("SEND\ndestination:"+queue+"\npersistent:true\nreceipt:"+id+"\ncontent-length:"+strconv.Itoa(len(id))+"\n\n"+id+"\x00") != nil {
					return
				}
			}
		}(pi)
	}
	// Even rounds: a consumer acking every other message individually, with
	// receipts. Odd rounds: an auto-ack consumer and one acking every
	// message without a receipt -- the acks that may complete a send before
	// its record is durable (concurrent store and dispatch), so what they
	// received counts as consumed.
	consume := func(ack string, receipts bool) {
		defer wg.Done()
		c, err := dialStomp(addr)
		if err != nil {
			return
		}
		defer c.nc.Close()
		c.write("SUBSCRIBE\nid:s\ndestination:" + queue + "\nack:" + ack + "\nactivemq.prefetchSize:20\n\n\x00")
		pending := map[string]string{} // ack receipt -> message body
		for n := 0; ; n++ {
			c.nc.SetReadDeadline(time.Now().Add(30 * time.Second))
			f, err := c.next()
			if err != nil {
				return
			}
			switch f.Command {
			case "MESSAGE":
				body := string(f.Body)
				ackID, _ := f.Get("ack")
				switch {
				case ack == "auto":
					mu.Lock()
					received[body] = true
					mu.Unlock()
				case !receipts:
					mu.Lock()
					received[body] = true
					mu.Unlock()
					if c.write("ACK\nid:"+ackID+"\n\n\x00") != nil {
						return
					}
				case n%2 == 0:
					rid := "ack-" + body
					pending[rid] = body
					if c.write("ACK\nid:"+ackID+"\nreceipt:"+rid+"\n\n\x00") != nil {
						return
					}
				}
			case "RECEIPT":
				rid, _ := f.Get("receipt-id")
				if body, ok := pending[rid]; ok {
					mu.Lock()
					acked[body] = true
					mu.Unlock()
					delete(pending, rid)
				}
			}
		}
	}
	if round%2 == 0 {
		wg.Add(1)
		go consume("client-individual", true)
	} else {
		wg.Add(2)
		go consume("auto", false)
		go consume("client-individual", false)
	}
	time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond)
	p.kill9()
	close(stop)
	wg.Wait()

	// Restart on the same data and drain.
	p2 := startBroker(t, cfg, dir)
	c, err := dialStomp(p2.addr("stomp"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.nc.Close()
	c.write("SUBSCRIBE\nid:d\ndestination:" + queue + "\nack:auto\n\n\x00")
	got := map[string]int{}
	for {
		c.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
		f, err := c.next()
		if err != nil {
			break // drained: nothing more within 2 s
		}
		if f.Command == "MESSAGE" {
			got[string(f.Body)]++
		}
	}
	mu.Lock()
	defer mu.Unlock()
	checked := 0
	for id := range receipted {
		if acked[id] {
			if got[id] > 0 {
				t.Errorf("round %d: %s was acked (receipted) before the crash but delivered again", round, id)
			}
			continue
		}
		checked++
		if received[id] && got[id] <= 1 {
			continue // consumed before the crash; may come again once
		}
		if got[id] != 1 {
			t.Errorf("round %d: receipted message %s delivered %d times after restart", round, id, got[id])
		}
	}
	for id, n := range got {
		if !sent[id] {
			t.Errorf("round %d: invented message %q", round, id)
		}
		if n > 1 {
			t.Errorf("round %d: %s delivered %d times", round, id, n)
		}
	}
	if len(receipted) == 0 {
		t.Errorf("round %d: no send was receipted before the kill", round)
	}
	p2.stop()
	if round%2 == 1 && len(received) == 0 {
		t.Errorf("round %d: nothing consumed before the kill", round)
	}
	return checked + len(acked)
}

// freshDatabase creates an empty database on the test servers that
// scripts/test-deps.sh started and returns its JDBC URL.
func freshDatabase(t *testing.T, kind string) string {
	name := fmt.Sprintf("amqcrash%d", rand.IntN(1<<30))
	switch kind {
	case "postgres":
		dsn := os.Getenv("AMQ_TEST_PG_DSN")
		if dsn == "" {
			t.Skip("AMQ_TEST_PG_DSN not set (make test starts PostgreSQL)")
		}
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(dsn)
		user := u.User.Username()
		return fmt.Sprintf("jdbc:postgresql://%s/%s?user=%s", u.Host, name, user)
	default:
		dsn := os.Getenv("AMQ_TEST_MYSQL_DSN")
		if dsn == "" {
			t.Skip("AMQ_TEST_MYSQL_DSN not set (make test starts MariaDB)")
		}
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("jdbc:mysql://%s/%s?user=%s&amp;password=%s", cfg.Addr, name, cfg.User, cfg.Passwd)
	}
}
