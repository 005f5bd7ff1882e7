import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.MessageProducer;
import javax.jms.Queue;
import javax.jms.Session;
import javax.jms.TextMessage;

import org.apache.activemq.ActiveMQConnectionFactory;

/**
 * Sends and receives N non-persistent messages through one queue with the
 * stock client and prints the rates. Usage: OwBench <port> <count> <size>.
 * Prints "RESULT <count> <send msgs/s> <end-to-end msgs/s>".
 */
public class OwBench {
    public static void main(String[] args) throws Exception {
        String url = "tcp://127.0.0.1:" + args[0];
        final int n = Integer.parseInt(args[1]);
        int size = Integer.parseInt(args[2]);
        ActiveMQConnectionFactory f = new ActiveMQConnectionFactory(url);
        Connection consumerConn = f.createConnection();
        consumerConn.start();
        Connection producerConn = f.createConnection();
        producerConn.start();
        try {
            StringBuilder sb = new StringBuilder();
            while (sb.length() < size) {
                sb.append('x');
            }
            String body = sb.toString();
            Session cs = consumerConn.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = cs.createQueue("bench.q");
            run(cs, producerConn, q, body, Math.min(n, 20000), true);
            run(cs, producerConn, q, body, n, false);
        } finally {
            producerConn.close();
            consumerConn.close();
        }
    }

    static void run(Session cs, Connection producerConn, Queue q, String body, final int n, boolean warmup) throws Exception {
        final CountDownLatch done = new CountDownLatch(1);
        final AtomicLong got = new AtomicLong();
        javax.jms.MessageConsumer cons = cs.createConsumer(q);
        cons.setMessageListener(m -> {
            if (got.incrementAndGet() == n) {
                done.countDown();
            }
        });
        Session ps = producerConn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageProducer p = ps.createProducer(q);
        p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            TextMessage m = ps.createTextMessage(body);
            p.send(m);
        }
        long sent = System.nanoTime();
        if (!done.await(120, TimeUnit.SECONDS)) {
            throw new RuntimeException("only " + got.get() + " of " + n + " received");
        }
        long end = System.nanoTime();
        cons.close();
        ps.close();
        if (!warmup) {
            double sendRate = n / ((sent - t0) / 1e9);
            double e2e = n / ((end - t0) / 1e9);
            System.out.printf("RESULT %d %.0f %.0f%n", n, sendRate, e2e);
        }
    }
}
