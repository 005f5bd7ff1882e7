"""Drives the broker with Debian's stomp.py (8.x) over STOMP 1.0, 1.1 and 1.2.

Usage: stomppy_check.py HOST PORT
Prints one line per check and exits non-zero on the first failure.
"""
import sys
import threading
import time

import stomp


class Collector(stomp.ConnectionListener):
    def __init__(self):
        self.cond = threading.Condition()
        self.messages = []
        self.errors = []
        self.receipts = set()

    def on_message(self, frame):
        with self.cond:
            self.messages.append(frame)
            self.cond.notify_all()

    def on_error(self, frame):
        with self.cond:
            self.errors.append(frame)
            self.cond.notify_all()

    def on_receipt(self, frame):
        with self.cond:
            self.receipts.add(frame.headers.get("receipt-id"))
            self.cond.notify_all()

    def wait(self, pred, timeout=10):
        deadline = time.time() + timeout
        with self.cond:
            while not pred():
                left = deadline - time.time()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True

    def wait_messages(self, n, timeout=10):
        if not self.wait(lambda: len(self.messages) >= n, timeout):
            raise AssertionError("expected %d messages, got %d" % (n, len(self.messages)))
        return self.messages[:n]


def connect(host, port, cls, client_id=None):
    conn = cls([(host, port)], heartbeats=(0, 0)) if cls is not stomp.Connection10 else cls([(host, port)])
    listener = Collector()
    conn.set_listener("c", listener)
    headers = {}
    if client_id:
        headers["client-id"] = client_id
    conn.connect(wait=True, headers=headers)
    return conn, listener


def close(conn, lst, rid):
    """Disconnects and waits for the DISCONNECT receipt (stomp.py does not)."""
    conn.disconnect(receipt=rid)
    lst.wait(lambda: rid in lst.receipts, 5)


def check(name, cond, detail=""):
    if not cond:
        print("FAIL", name, detail)
        sys.exit(1)
    print("ok", name)


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    versions = [("1.0", stomp.Connection10), ("1.1", stomp.Connection11), ("1.2", stomp.Connection12)]
    for ver, cls in versions:
        q = "/queue/py-" + ver
        conn, lst = connect(host, port, cls)
        if ver == "1.0":
            conn.subscribe(destination=q, ack="client")
        else:
            conn.subscribe(destination=q, id="s1", ack="client-individual")
        for i in range(20):
            conn.send(body="msg-%d" % i, destination=q, headers={"persistent": "true", "color": "blue", "n": str(i)})
        msgs = lst.wait_messages(20)
        check(ver + " order", [m.body for m in msgs] == ["msg-%d" % i for i in range(20)], [m.body for m in msgs][:5])
        check(ver + " user header", msgs[0].headers.get("color") == "blue")
        check(ver + " persistent header", msgs[0].headers.get("persistent") == "true")
        check(ver + " message-id shape", msgs[0].headers["message-id"].startswith("ID:"))
        check(ver + " delivery count", msgs[0].headers.get("JMSXDeliveryCount") == "1")
        for m in msgs:
            if ver == "1.0":
                conn.ack(m.headers["message-id"])
            elif ver == "1.1":
                conn.ack(m.headers["message-id"], m.headers["subscription"])
            else:
                conn.ack(m.headers["ack"])
        conn.disconnect(receipt="bye-" + ver)
        # Nothing left: a fresh subscriber receives nothing.
        conn, lst = connect(host, port, cls)
        conn.subscribe(destination=q, id="s2", ack="auto")
        time.sleep(0.3)
        check(ver + " acked messages gone", len(lst.messages) == 0, len(lst.messages))
        conn.disconnect()

    # Selectors over string headers compare numerically, as on ActiveMQ.
    conn, lst = connect(host, port, stomp.Connection12)
    conn.subscribe(destination="/queue/py-sel", id="sel", ack="auto", headers={"selector": "n > 10 AND color = 'red'"})
    for i in range(20):
        conn.send(body=str(i), destination="/queue/py-sel", headers={"n": str(i), "color": "red" if i % 2 else "blue"})
    lst.wait_messages(5)
    time.sleep(0.2)
    got = [m.body for m in lst.messages]
    check("selector", got == ["11", "13", "15", "17", "19"], got)
    conn.disconnect()

    # Transactions: aborted sends vanish, committed ones arrive.
    conn, lst = connect(host, port, stomp.Connection12)
    tx = conn.begin()
    conn.send(body="aborted", destination="/queue/py-tx", transaction=tx)
    conn.abort(tx)
    tx = conn.begin()
    conn.send(body="committed", destination="/queue/py-tx", transaction=tx)
    conn.commit(tx)
    conn.subscribe(destination="/queue/py-tx", id="t", ack="auto")
    msgs = lst.wait_messages(1)
    time.sleep(0.2)
    check("transaction", [m.body for m in lst.messages] == ["committed"], [m.body for m in lst.messages])
    conn.disconnect()

    # Durable subscription keeps messages while offline.
    conn, lst = connect(host, port, stomp.Connection12, client_id="py-durable")
    conn.subscribe(destination="/topic/py-news", id="d", ack="auto", headers={"activemq.subscriptionName": "py-sub"})
    conn.unsubscribe(id="d")
    close(conn, lst, "durable-1")
    pub, _ = connect(host, port, stomp.Connection12)
    pub.send(body="while-offline", destination="/topic/py-news", headers={"persistent": "true"})
    pub.disconnect()
    conn, lst = connect(host, port, stomp.Connection12, client_id="py-durable")
    conn.subscribe(destination="/topic/py-news", id="d", ack="auto", headers={"activemq.subscriptionName": "py-sub"})
    msgs = lst.wait_messages(1)
    check("durable while offline", msgs[0].body == "while-offline")
    conn.disconnect()

    # Topic fan-out to two subscribers.
    a, la = connect(host, port, stomp.Connection11)
    b, lb = connect(host, port, stomp.Connection11)
    a.subscribe(destination="/topic/py-fan", id="a", ack="auto", headers={"receipt": "ra"})
    b.subscribe(destination="/topic/py-fan", id="b", ack="auto", headers={"receipt": "rb"})
    la.wait(lambda: "ra" in la.receipts)
    lb.wait(lambda: "rb" in lb.receipts)
    a.send(body="hello all", destination="/topic/py-fan")
    check("fan-out a", la.wait_messages(1)[0].body == "hello all")
    check("fan-out b", lb.wait_messages(1)[0].body == "hello all")
    a.disconnect()
    b.disconnect()

    # An error frame for a bad SEND keeps the connection usable.
    conn, lst = connect(host, port, stomp.Connection12)
    conn.send_frame("SEND", {"receipt": "bad"}, "no destination")
    check("error frame", lst.wait(lambda: len(lst.errors) == 1))
    conn.send(body="still here", destination="/queue/py-after-error", headers={"receipt": "ok"})
    check("connection kept after error", lst.wait(lambda: "ok" in lst.receipts))
    conn.disconnect()
    print("all stomp.py checks passed")


if __name__ == "__main__":
    main()
