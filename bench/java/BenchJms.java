import javax.jms.BytesMessage;
import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.JMSException;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.Session;

import org.apache.activemq.ActiveMQConnectionFactory;

/**
 * Sends N messages to a queue over OpenWire while a consumer on a second
 * connection receives them, then prints one JSON line with both rates.
 *
 * Usage: java BenchJms URL QUEUE COUNT SIZE PERSISTENT
 * The send rate runs from the first send to the last send returning (for
 * persistent messages a send waits for the broker's ack); the receive rate
 * from the first message received to the last, as `amq consumer` counts.
 */
public final class BenchJms {
    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: BenchJms URL QUEUE COUNT SIZE PERSISTENT");
            System.exit(2);
        }
        final String url = args[0];
        final String queue = args[1];
        final int count = Integer.parseInt(args[2]);
        final int size = Integer.parseInt(args[3]);
        final boolean persistent = Boolean.parseBoolean(args[4]);

        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(url);
        Connection consConn = cf.createConnection();
        consConn.start();
        Session consSession = consConn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        final MessageConsumer consumer = consSession.createConsumer(consSession.createQueue(queue));

        final long[] times = new long[2];
        final int[] received = new int[1];
        final Throwable[] failure = new Throwable[1];
        Thread receiver = new Thread(() -> {
            try {
                while (received[0] < count) {
                    Message m = consumer.receive(30000);
                    if (m == null) {
                        break;
                    }
                    long now = System.nanoTime();
                    if (received[0] == 0) {
                        times[0] = now;
                    }
                    times[1] = now;
                    received[0]++;
                }
            } catch (Throwable t) {
                failure[0] = t;
            }
        }, "receiver");
        receiver.start();

        Connection prodConn = cf.createConnection();
        prodConn.start();
        Session prodSession = prodConn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageProducer producer = prodSession.createProducer(prodSession.createQueue(queue));
        producer.setDeliveryMode(persistent ? DeliveryMode.PERSISTENT : DeliveryMode.NON_PERSISTENT);
        byte[] body = new byte[size];
        long sendStart = System.nanoTime();
        for (int i = 0; i < count; i++) {
            BytesMessage m = prodSession.createBytesMessage();
            m.writeBytes(body);
            producer.send(m);
        }
        long sendEnd = System.nanoTime();
        receiver.join(180000);

        double sendSecs = (sendEnd - sendStart) / 1e9;
        double recvSecs = (times[1] - times[0]) / 1e9;
        double sendRate = sendSecs > 0 ? count / sendSecs : 0;
        double recvRate = recvSecs > 0 ? received[0] / recvSecs : 0;
        System.out.printf("{\"sent\":%d,\"send_seconds\":%.6f,\"send_rate\":%.1f,\"received\":%d,\"receive_seconds\":%.6f,\"receive_rate\":%.1f}%n",
                count, sendSecs, sendRate, received[0], recvSecs, recvRate);
        prodConn.close();
        consConn.close();
        if (failure[0] != null) {
            failure[0].printStackTrace();
            System.exit(1);
        }
        if (received[0] < count) {
            System.err.println("received " + received[0] + " of " + count);
            System.exit(1);
        }
    }

    private BenchJms() {
    }
}
