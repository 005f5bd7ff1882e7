import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import javax.jms.BytesMessage;
import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.Destination;
import javax.jms.InvalidClientIDException;
import javax.jms.InvalidDestinationException;
import javax.jms.InvalidSelectorException;
import javax.jms.JMSException;
import javax.jms.JMSSecurityException;
import javax.jms.MapMessage;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.ObjectMessage;
import javax.jms.Queue;
import javax.jms.QueueBrowser;
import javax.jms.Session;
import javax.jms.StreamMessage;
import javax.jms.TemporaryQueue;
import javax.jms.TextMessage;
import javax.jms.Topic;
import javax.jms.TopicSubscriber;

import org.apache.activemq.ActiveMQConnection;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ActiveMQSession;
import org.apache.activemq.RedeliveryPolicy;

/**
 * Checks the Go broker's OpenWire adapter with the stock ActiveMQ client.
 * Usage: OwSuite <openwire port> <openwire port with auth> [check ...].
 * Prints "PASS name ms" or "FAIL name: reason" per check; the failover check
 * prints "RESTART" and waits for a line on stdin once the server restarted.
 */
public class OwSuite {
    static String url;
    static String authUrl;
    static int port;
    static BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));

    interface Check {
        void run() throws Exception;
    }

    static void check(List<String> only, String name, Check c) {
        if (!only.isEmpty() && !only.contains(name)) {
            return;
        }
        long t0 = System.currentTimeMillis();
        try {
            c.run();
            System.out.println("PASS " + name + " " + (System.currentTimeMillis() - t0));
        } catch (Throwable e) {
            System.out.println("FAIL " + name + ": " + e.toString().replace('\n', ' '));
            e.printStackTrace();
        }
        System.out.flush();
    }

    static void expect(boolean cond, String what) {
        if (!cond) {
            throw new AssertionError(what);
        }
    }

    static void eq(Object want, Object got, String what) {
        if (want == null ? got != null : !want.equals(got)) {
            throw new AssertionError(what + ": want " + want + ", got " + got);
        }
    }

    static ActiveMQConnectionFactory factory() {
        ActiveMQConnectionFactory f = new ActiveMQConnectionFactory(url);
        RedeliveryPolicy rp = new RedeliveryPolicy();
        rp.setInitialRedeliveryDelay(0);
        rp.setRedeliveryDelay(0);
        f.setRedeliveryPolicy(rp);
        return f;
    }

    static Connection connect() throws JMSException {
        Connection c = factory().createConnection();
        c.start();
        return c;
    }

    /** Drains a queue so that a check starts from a known state. */
    static void drain(Session s, Destination d) throws JMSException {
        MessageConsumer c = s.createConsumer(d);
        while (c.receive(100) != null) {
        }
        c.close();
    }

    public static void main(String[] args) throws Exception {
        port = Integer.parseInt(args[0]);
        url = "tcp://127.0.0.1:" + args[0];
        authUrl = "tcp://127.0.0.1:" + args[1];
        List<String> only = new ArrayList<>(Arrays.asList(args).subList(2, args.length));

        check(only, "connect", OwSuite::connectCheck);
        check(only, "auth", OwSuite::authCheck);
        check(only, "clientIdInUse", OwSuite::clientIdInUse);
        check(only, "messageTypes", OwSuite::messageTypes);
        check(only, "autoAck", OwSuite::autoAck);
        check(only, "clientAck", OwSuite::clientAck);
        check(only, "individualAck", OwSuite::individualAck);
        check(only, "sessionRecover", OwSuite::sessionRecover);
        check(only, "closeUnconsumed", OwSuite::closeUnconsumed);
        check(only, "transacted", OwSuite::transacted);
        check(only, "dlq", OwSuite::dlq);
        check(only, "durable", OwSuite::durable);
        check(only, "tempRequestReply", OwSuite::tempRequestReply);
        check(only, "deletedTempDestination", OwSuite::deletedTemp);
        check(only, "transactedFailedSend", OwSuite::transactedFailedSend);
        check(only, "selectors", OwSuite::selectors);
        check(only, "browser", OwSuite::browser);
        check(only, "pull", OwSuite::pull);
        check(only, "topicNoLocal", OwSuite::topicNoLocal);
        check(only, "groups", OwSuite::groups);
        check(only, "exclusive", OwSuite::exclusive);
        check(only, "stompToJms", OwSuite::stompToJms);
        check(only, "jmsToStomp", OwSuite::jmsToStomp);
        check(only, "burst", OwSuite::burst);
        check(only, "failover", OwSuite::failover);
        System.out.println("DONE");
    }

    static void connectCheck() throws Exception {
        ActiveMQConnection c = (ActiveMQConnection) connect();
        try {
            eq("go-broker", c.getBrokerName(), "broker name from BrokerInfo");
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue("suite.connect");
            s.createProducer(q).send(s.createTextMessage("ping"));
            TextMessage m = (TextMessage) s.createConsumer(q).receive(5000);
            expect(m != null, "message received");
            eq("ping", m.getText(), "text");
        } finally {
            c.close();
        }
    }

    static void authCheck() throws Exception {
        ActiveMQConnectionFactory f = new ActiveMQConnectionFactory(authUrl);
        Connection c = f.createConnection("alice", "secret");
        try {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue("suite.auth");
            s.createProducer(q).send(s.createTextMessage("authenticated"));
            TextMessage m = (TextMessage) s.createConsumer(q).receive(5000);
            expect(m != null, "message received over the authenticated connection");
        } finally {
            c.close();
        }
        for (String[] cred : new String[][] {{"alice", "wrong"}, {null, null}, {"mallory", "secret"}}) {
            Connection bad = cred[0] == null ? f.createConnection() : f.createConnection(cred[0], cred[1]);
            try {
                bad.start();
                throw new AssertionError("connection with " + cred[0] + "/" + cred[1] + " was accepted");
            } catch (JMSSecurityException expected) {
            } finally {
                try {
                    bad.close();
                } catch (JMSException ignored) {
                }
            }
        }
    }

    static void clientIdInUse() throws Exception {
        Connection c1 = factory().createConnection();
        c1.setClientID("suite-dup");
        c1.start();
        Connection c2 = factory().createConnection();
        try {
            c2.setClientID("suite-dup");
            c2.start();
            throw new AssertionError("a second connection with the same client ID was accepted");
        } catch (InvalidClientIDException expected) {
        } finally {
            try {
                c2.close();
            } catch (JMSException ignored) {
            }
        }
        c1.close();
        // Freed once the first one left.
        Connection c3 = factory().createConnection();
        c3.setClientID("suite-dup");
        c3.start();
        c3.close();
    }

    static void messageTypes() throws Exception {
        Connection c = connect();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue("suite.types");
            Queue replyTo = s.createQueue("suite.types.reply");
            MessageProducer p = s.createProducer(q);
            p.setPriority(7);

            TextMessage t = s.createTextMessage("h\u00e9llo \u0000 w\u00f6rld \uD83D\uDE00");
            t.setBooleanProperty("b", true);
            t.setByteProperty("y", (byte) -5);
            t.setShortProperty("sh", (short) 1234);
            t.setIntProperty("i", 123456);
            t.setLongProperty("l", 1L << 40);
            t.setFloatProperty("f", 1.5f);
            t.setDoubleProperty("d", 2.25);
            t.setStringProperty("s", "str\u00e9");
            t.setJMSCorrelationID("corr-1");
            t.setJMSType("kind");
            t.setJMSReplyTo(replyTo);
            p.send(t);

            BytesMessage b = s.createBytesMessage();
            b.writeBytes(new byte[] {0, 1, 2, (byte) 255});
            b.writeInt(42);
            b.writeUTF("utf");
            p.send(b);

            MapMessage mm = s.createMapMessage();
            mm.setString("name", "widget");
            mm.setInt("count", 3);
            mm.setDouble("price", 9.5);
            mm.setBoolean("ok", true);
            mm.setBytes("raw", new byte[] {9, 8});
            p.send(mm);

            StreamMessage sm = s.createStreamMessage();
            sm.writeString("one");
            sm.writeInt(2);
            sm.writeBoolean(false);
            p.send(sm);

            String obj = "serialized é";
            ObjectMessage om = s.createObjectMessage(obj);
            p.send(om);

            p.send(s.createMessage());

            MessageConsumer cons = s.createConsumer(q);
            TextMessage rt = (TextMessage) cons.receive(5000);
            expect(rt != null, "text message received");
            eq(t.getText(), rt.getText(), "text");
            eq(true, rt.getBooleanProperty("b"), "bool property");
            eq((byte) -5, rt.getByteProperty("y"), "byte property");
            eq((short) 1234, rt.getShortProperty("sh"), "short property");
            eq(123456, rt.getIntProperty("i"), "int property");
            eq(1L << 40, rt.getLongProperty("l"), "long property");
            eq(1.5f, rt.getFloatProperty("f"), "float property");
            eq(2.25, rt.getDoubleProperty("d"), "double property");
            eq("str\u00e9", rt.getStringProperty("s"), "string property");
            expect(rt.getObjectProperty("i") instanceof Integer, "int property keeps its type");
            expect(rt.getObjectProperty("y") instanceof Byte, "byte property keeps its type");
            eq("corr-1", rt.getJMSCorrelationID(), "correlation id");
            eq("kind", rt.getJMSType(), "JMSType");
            eq(replyTo, rt.getJMSReplyTo(), "reply-to");
            eq(7, rt.getJMSPriority(), "priority");
            eq(DeliveryMode.PERSISTENT, rt.getJMSDeliveryMode(), "delivery mode");
            eq(t.getJMSMessageID(), rt.getJMSMessageID(), "message id");
            eq(q, rt.getJMSDestination(), "destination");
            expect(!rt.getJMSRedelivered(), "not redelivered");

            BytesMessage rb = (BytesMessage) cons.receive(5000);
            expect(rb != null, "bytes message received");
            byte[] four = new byte[4];
            eq(4, rb.readBytes(four), "bytes read");
            expect(Arrays.equals(new byte[] {0, 1, 2, (byte) 255}, four), "bytes content");
            eq(42, rb.readInt(), "int in bytes");
            eq("utf", rb.readUTF(), "utf in bytes");

            MapMessage rm = (MapMessage) cons.receive(5000);
            expect(rm != null, "map message received");
            eq("widget", rm.getString("name"), "map string");
            eq(3, rm.getInt("count"), "map int");
            eq(9.5, rm.getDouble("price"), "map double");
            eq(true, rm.getBoolean("ok"), "map bool");
            expect(Arrays.equals(new byte[] {9, 8}, rm.getBytes("raw")), "map bytes");

            StreamMessage rs = (StreamMessage) cons.receive(5000);
            expect(rs != null, "stream message received");
            eq("one", rs.readString(), "stream string");
            eq(2, rs.readInt(), "stream int");
            eq(false, rs.readBoolean(), "stream bool");

            ObjectMessage ro = (ObjectMessage) cons.receive(5000);
            expect(ro != null, "object message received");
            eq(obj, ro.getObject(), "object");

            Message plain = cons.receive(5000);
            expect(plain != null && !(plain instanceof TextMessage) && !(plain instanceof BytesMessage), "plain message received");
        } finally {
            c.close();
        }
    }

    static List<String> sendTexts(Session s, Destination d, String prefix, int n) throws JMSException {
        MessageProducer p = s.createProducer(d);
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            TextMessage m = s.createTextMessage(prefix + i);
            m.setIntProperty("n", i);
            p.send(m);
            ids.add(m.getJMSMessageID());
        }
        p.close();
        return ids;
    }

    static void autoAck() throws Exception {
        Connection c = connect();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue("suite.autoack");
            sendTexts(s, q, "m", 3);
            MessageConsumer cons = s.createConsumer(q);
            for (int i = 1; i <= 3; i++) {
                TextMessage m = (TextMessage) cons.receive(5000);
                expect(m != null, "message " + i);
                eq("m" + i, m.getText(), "order");
            }
            cons.close();
            cons = s.createConsumer(q);
            expect(cons.receive(300) == null, "auto-acked messages are gone");
        } finally {
            c.close();
        }
    }

    static void clientAck() throws Exception {
        Connection c = connect();
        try {
            Session s = c.createSession(false, Session.CLIENT_ACKNOWLEDGE);
            Queue q = s.createQueue("suite.clientack");
            sendTexts(s, q, "m", 3);
            MessageConsumer cons = s.createConsumer(q);
            cons.receive(5000);
            Message m2 = cons.receive(5000);
            m2.acknowledge(); // acknowledges m1 and m2
            Message m3 = cons.receive(5000);
            expect(m3 != null, "third message");
            s.close();
            Session s2 = c.createSession(false, Session.CLIENT_ACKNOWLEDGE);
            MessageConsumer cons2 = s2.createConsumer(q);
            TextMessage again = (TextMessage) cons2.receive(5000);
            expect(again != null, "unacknowledged message redelivered");
            eq("m3", again.getText(), "only m3 comes back");
            expect(again.getJMSRedelivered(), "JMSRedelivered");
            again.acknowledge();
            expect(cons2.receive(300) == null, "nothing else");
        } finally {
            c.close();
        }
    }

    static void individualAck() throws Exception {
        Connection c = connect();
        try {
            Session s = c.createSession(false, ActiveMQSession.INDIVIDUAL_ACKNOWLEDGE);
            Queue q = s.createQueue("suite.individual");
            sendTexts(s, q, "m", 3);
            MessageConsumer cons = s.createConsumer(q);
            cons.receive(5000);
            Message m2 = cons.receive(5000);
            cons.receive(5000);
            m2.acknowledge();
            s.close();
            Session s2 = c.createSession(false, ActiveMQSession.INDIVIDUAL_ACKNOWLEDGE);
            MessageConsumer cons2 = s2.createConsumer(q);
            TextMessage a = (TextMessage) cons2.receive(5000);
            TextMessage b = (TextMessage) cons2.receive(5000);
            expect(a != null && b != null, "two messages come back");
            eq("m1", a.getText(), "first back");
            eq("m3", b.getText(), "second back");
            expect(a.getJMSRedelivered() && b.getJMSRedelivered(), "redelivered flags");
            a.acknowledge();
            b.acknowledge();
            expect(cons2.receive(300) == null, "nothing else");
        } finally {
            c.close();
        }
    }

    /**
     * Messages that only sat in a closed consumer's prefetch buffer come back
     * without a redelivery: taking one message per connection must not push
     * the rest towards the redelivery limit.
     */
    static void closeUnconsumed() throws Exception {
        Connection pc = connect();
        Queue q;
        try {
            Session ps = pc.createSession(false, Session.AUTO_ACKNOWLEDGE);
            q = ps.createQueue("suite.unconsumed");
            sendTexts(ps, q, "m", 10);
        } finally {
            pc.close();
        }
        for (int i = 1; i <= 9; i++) {
            Connection c = connect();
            try {
                Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
                TextMessage m = (TextMessage) s.createConsumer(q).receive(5000);
                expect(m != null, "message " + i + " of one per connection");
                eq("m" + i, m.getText(), "order");
                eq(1, m.getIntProperty("JMSXDeliveryCount"), "delivery count of m" + i);
                expect(!m.getJMSRedelivered(), "m" + i + " not redelivered");
            } finally {
                c.close();
            }
        }
        // Closing with unacked messages: only those the application took
        // count as delivered.
        Connection c = connect();
        Session s = c.createSession(false, Session.CLIENT_ACKNOWLEDGE);
        sendTexts(s, q, "n", 2);
        MessageConsumer cons = s.createConsumer(q);
        expect(cons.receive(5000) != null, "m10");
        c.close();
        c = connect();
        try {
            s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            cons = s.createConsumer(q);
            String got = "";
            for (Message m; (m = cons.receive(500)) != null;) {
                got += ((TextMessage) m).getText() + "/" + m.getIntProperty("JMSXDeliveryCount") + " ";
            }
            eq("m10/2 n1/1 n2/1 ", got, "redelivery counts after the close");
            cons.close();
            // A session closing names its latest delivery, which may be
            // another consumer's: an idle consumer's prefetch stays fresh.
            Session two = c.createSession(false, Session.CLIENT_ACKNOWLEDGE);
            Queue idle = two.createQueue("suite.unconsumed.idle");
            sendTexts(two, idle, "i", 2);
            two.createConsumer(idle);
            sendTexts(two, q, "b", 1);
            expect(two.createConsumer(q).receive(5000) != null, "the busy consumer's message");
            Thread.sleep(200); // the idle consumer's prefetch arrives
            two.close();
            cons = s.createConsumer(idle);
            got = "";
            for (Message m; (m = cons.receive(500)) != null;) {
                got += ((TextMessage) m).getText() + "/" + m.getIntProperty("JMSXDeliveryCount") + " ";
            }
            eq("i1/1 i2/1 ", got, "the idle consumer's messages after the session close");
            cons.close();
            eq("b1", ((TextMessage) s.createConsumer(q).receive(5000)).getText(), "the busy consumer's message comes back");
        } finally {
            c.close();
        }
    }

    static void sessionRecover() throws Exception {
        Connection c = connect();
        try {
            Session s = c.createSession(false, Session.CLIENT_ACKNOWLEDGE);
            Queue q = s.createQueue("suite.recover");
            sendTexts(s, q, "m", 1);
            MessageConsumer cons = s.createConsumer(q);
            Message first = cons.receive(5000);
            expect(first != null && !first.getJMSRedelivered(), "first delivery");
            s.recover();
            Message again = cons.receive(5000);
            expect(again != null, "redelivered after recover");
            eq(first.getJMSMessageID(), again.getJMSMessageID(), "same message");
            expect(again.getJMSRedelivered(), "JMSRedelivered after recover");
            eq(2, again.getIntProperty("JMSXDeliveryCount"), "delivery count");
            again.acknowledge();
            expect(cons.receive(300) == null, "acknowledged");
        } finally {
            c.close();
        }
    }

    static void transacted() throws Exception {
        Connection c = connect();
        try {
            Session ps = c.createSession(true, Session.SESSION_TRANSACTED);
            Queue q = ps.createQueue("suite.tx");
            sendTexts(ps, q, "t", 2);
            Session cs = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageConsumer cons = cs.createConsumer(q);
            expect(cons.receive(300) == null, "uncommitted sends are invisible");
            ps.commit();
            TextMessage a = (TextMessage) cons.receive(5000);
            TextMessage b = (TextMessage) cons.receive(5000);
            expect(a != null && b != null, "committed sends arrive");
            eq(1, a.getIntProperty("JMSXDeliveryCount"), "first delivery count");
            cs.rollback();
            TextMessage a2 = (TextMessage) cons.receive(5000);
            TextMessage b2 = (TextMessage) cons.receive(5000);
            expect(a2 != null && b2 != null, "rolled back messages come again");
            eq("t1", a2.getText(), "order after rollback");
            expect(a2.getJMSRedelivered(), "redelivered after rollback");
            eq(2, a2.getIntProperty("JMSXDeliveryCount"), "delivery count after rollback");
            cs.commit();
            expect(cons.receive(300) == null, "committed acks remove them");
            cons.close();
            // And the broker agrees: a new consumer sees nothing either.
            Session s3 = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            expect(s3.createConsumer(q).receive(300) == null, "gone at the broker");
            // A rolled-back send never arrives.
            sendTexts(ps, q, "never", 1);
            ps.rollback();
            expect(s3.createConsumer(q).receive(300) == null, "rolled back send discarded");
        } finally {
            c.close();
        }
    }

    static void dlq() throws Exception {
        ActiveMQConnectionFactory f = factory();
        f.getRedeliveryPolicy().setMaximumRedeliveries(2);
        Connection c = f.createConnection();
        c.start();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue("suite.dlq");
            Queue dlq = s.createQueue("ActiveMQ.DLQ");
            String marker = "poison-" + System.nanoTime();
            MessageProducer p = s.createProducer(q);
            p.send(s.createTextMessage(marker));
            Session ts = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageConsumer cons = ts.createConsumer(q);
            for (int i = 1; i <= 3; i++) {
                TextMessage m = (TextMessage) cons.receive(5000);
                expect(m != null, "delivery " + i);
                eq(marker, m.getText(), "text");
                eq(i, m.getIntProperty("JMSXDeliveryCount"), "delivery count " + i);
                eq(i > 1, m.getJMSRedelivered(), "redelivered flag " + i);
                ts.rollback();
            }
            expect(cons.receive(500) == null, "no fourth delivery");
            cons.close();
            MessageConsumer dc = s.createConsumer(dlq, "JMSMessageID IS NOT NULL");
            TextMessage dead = null;
            for (;;) {
                TextMessage m = (TextMessage) dc.receive(5000);
                if (m == null || marker.equals(m.getText())) {
                    dead = m;
                    break;
                }
            }
            expect(dead != null, "message in ActiveMQ.DLQ");
            String cause = dead.getStringProperty("dlqDeliveryFailureCause");
            expect(cause != null && cause.contains("exceeds redelivery policy limit"), "dlqDeliveryFailureCause: " + cause);
            expect(s.createConsumer(q).receive(300) == null, "gone from the queue");
        } finally {
            c.close();
        }
    }

    static void durable() throws Exception {
        Connection c = factory().createConnection();
        c.setClientID("suite-durable");
        c.start();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Topic t = s.createTopic("suite.durable");
            TopicSubscriber sub = s.createDurableSubscriber(t, "sub1");
            sub.close();
            Connection pc = connect();
            Session ps = pc.createSession(false, Session.AUTO_ACKNOWLEDGE);
            sendTexts(ps, t, "d", 3);
            MessageProducer np = ps.createProducer(t);
            np.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
            np.send(ps.createTextMessage("d4"));
            sub = s.createDurableSubscriber(t, "sub1");
            for (int i = 1; i <= 4; i++) {
                TextMessage m = (TextMessage) sub.receive(5000);
                expect(m != null, "offline message " + i + (i == 4 ? " (non-persistent)" : ""));
                eq("d" + i, m.getText(), "order");
            }
            try {
                s.unsubscribe("sub1");
                throw new AssertionError("unsubscribe of an active subscription succeeded");
            } catch (JMSException expected) {
            }
            sub.close();
            s.unsubscribe("sub1");
            sendTexts(ps, t, "after", 1);
            sub = s.createDurableSubscriber(t, "sub1");
            expect(sub.receive(300) == null, "a new subscription starts empty");
            sub.close();
            s.unsubscribe("sub1");
            pc.close();
        } finally {
            c.close();
        }
    }

    static void tempRequestReply() throws Exception {
        Connection service = connect();
        Connection client = connect();
        try {
            Session ss = service.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue requests = ss.createQueue("suite.requests");
            MessageConsumer rc = ss.createConsumer(requests);
            MessageProducer replier = ss.createProducer(null);
            Thread t = new Thread(() -> {
                try {
                    TextMessage req = (TextMessage) rc.receive(10000);
                    if (req == null) {
                        return;
                    }
                    TextMessage reply = ss.createTextMessage("re: " + req.getText());
                    reply.setJMSCorrelationID(req.getJMSCorrelationID());
                    replier.send(req.getJMSReplyTo(), reply);
                } catch (JMSException e) {
                    e.printStackTrace();
                }
            });
            t.start();
            Session cs = client.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue tq = cs.createTemporaryQueue();
            MessageConsumer replies = cs.createConsumer(tq);
            TextMessage req = cs.createTextMessage("question");
            req.setJMSReplyTo(tq);
            req.setJMSCorrelationID("rr-1");
            cs.createProducer(requests).send(req);
            TextMessage reply = (TextMessage) replies.receive(10000);
            expect(reply != null, "reply received");
            eq("re: question", reply.getText(), "reply text");
            eq("rr-1", reply.getJMSCorrelationID(), "correlation id");
            t.join();
            replies.close();
            tq.delete();
        } finally {
            client.close();
            service.close();
        }
    }

    /**
     * A transacted send is async: when the broker refuses it, the commit
     * must fail rather than commit the rest without it.
     */
    static void transactedFailedSend() throws Exception {
        Connection owner = connect();
        TemporaryQueue tq = owner.createSession(false, Session.AUTO_ACKNOWLEDGE).createTemporaryQueue();
        String name = tq.getQueueName();
        owner.close();
        ActiveMQConnectionFactory f = factory();
        f.setWatchTopicAdvisories(false); // so only the broker knows it is gone
        Connection c = f.createConnection();
        c.start();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue("suite.txfailed");
            Session ts = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageProducer p = ts.createProducer(null);
            p.send(q, ts.createTextMessage("kept only with the other"));
            p.send(new org.apache.activemq.command.ActiveMQTempQueue(name), ts.createTextMessage("refused"));
            try {
                ts.commit();
                throw new AssertionError("commit succeeded although a send in the transaction failed");
            } catch (JMSException expected) {
                expect(expected.getMessage().contains("rollback only"), "commit failure: " + expected.getMessage());
            }
            MessageConsumer cons = s.createConsumer(q);
            expect(cons.receive(300) == null, "the doomed transaction's other send was discarded");
            // The session goes on with a fresh transaction.
            p.send(q, ts.createTextMessage("next"));
            ts.commit();
            TextMessage m = (TextMessage) cons.receive(5000);
            expect(m != null && m.getText().equals("next"), "the next transaction commits");
        } finally {
            c.close();
        }
    }

    static void deletedTemp() throws Exception {
        Connection owner = connect();
        Session os = owner.createSession(false, Session.AUTO_ACKNOWLEDGE);
        TemporaryQueue tq = os.createTemporaryQueue();
        String name = tq.getQueueName();
        owner.close();
        // Without advisories the client cannot know: the broker must say so.
        ActiveMQConnectionFactory f = factory();
        f.setWatchTopicAdvisories(false);
        Connection c = f.createConnection();
        c.start();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer p = s.createProducer(null);
            try {
                p.send(new org.apache.activemq.command.ActiveMQTempQueue(name), s.createTextMessage("lost"));
                throw new AssertionError("send to a deleted temporary queue succeeded");
            } catch (InvalidDestinationException expected) {
            }
            // An async send cannot throw: the ExceptionListener hears of it.
            final java.util.concurrent.BlockingQueue<JMSException> heard = new java.util.concurrent.LinkedBlockingQueue<>();
            c.setExceptionListener(heard::add);
            p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
            p.send(new org.apache.activemq.command.ActiveMQTempQueue(name), s.createTextMessage("lost async"));
            JMSException e = heard.poll(5, TimeUnit.SECONDS);
            expect(e instanceof InvalidDestinationException, "ExceptionListener told of the refused async send: " + e);
        } finally {
            c.close();
        }
    }

    static void selectors() throws Exception {
        Connection c = connect();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue("suite.selectors");
            MessageProducer p = s.createProducer(q);
            for (int i = 0; i < 10; i++) {
                TextMessage m = s.createTextMessage("s" + i);
                m.setIntProperty("n", i);
                m.setStringProperty("color", i % 2 == 0 ? "red" : "blue");
                p.send(m);
            }
            MessageConsumer red = s.createConsumer(q, "n > 5 AND color = 'red'");
            List<String> got = new ArrayList<>();
            for (TextMessage m; (m = (TextMessage) red.receive(500)) != null;) {
                got.add(m.getText());
            }
            eq(Arrays.asList("s6", "s8"), got, "selected");
            red.close();
            try {
                s.createConsumer(q, "n >>> 3");
                throw new AssertionError("a bad selector was accepted");
            } catch (InvalidSelectorException expected) {
            }
            drain(s, q);
        } finally {
            c.close();
        }
    }

    static void browser() throws Exception {
        Connection c = connect();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue("suite.browse");
            sendTexts(s, q, "b", 5);
            QueueBrowser br = s.createBrowser(q);
            List<String> seen = new ArrayList<>();
            for (Enumeration<?> e = br.getEnumeration(); e.hasMoreElements();) {
                seen.add(((TextMessage) e.nextElement()).getText());
            }
            br.close();
            eq(Arrays.asList("b1", "b2", "b3", "b4", "b5"), seen, "browsed");
            QueueBrowser sel = s.createBrowser(q, "n >= 4");
            int n = 0;
            for (Enumeration<?> e = sel.getEnumeration(); e.hasMoreElements(); e.nextElement()) {
                n++;
            }
            sel.close();
            eq(2, n, "browsed with a selector");
            MessageConsumer cons = s.createConsumer(q);
            for (int i = 1; i <= 5; i++) {
                TextMessage m = (TextMessage) cons.receive(5000);
                expect(m != null, "browsing removed nothing: message " + i);
                eq("b" + i, m.getText(), "order");
            }
        } finally {
            c.close();
        }
    }

    static void pull() throws Exception {
        ActiveMQConnectionFactory f = factory();
        f.getPrefetchPolicy().setAll(0);
        Connection c = f.createConnection();
        c.start();
        Connection pc = connect();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue("suite.pull");
            MessageConsumer cons = s.createConsumer(q);
            long t0 = System.currentTimeMillis();
            expect(cons.receiveNoWait() == null, "receiveNoWait on an empty queue");
            expect(System.currentTimeMillis() - t0 < 1000, "receiveNoWait does not wait");
            t0 = System.currentTimeMillis();
            expect(cons.receive(400) == null, "receive(400) on an empty queue");
            long waited = System.currentTimeMillis() - t0;
            expect(waited >= 300 && waited < 3000, "receive(400) waited " + waited + " ms");

            Session ps = pc.createSession(false, Session.AUTO_ACKNOWLEDGE);
            sendTexts(ps, q, "p", 2);
            TextMessage m = (TextMessage) cons.receiveNoWait();
            expect(m != null, "receiveNoWait gets a waiting message");
            eq("p1", m.getText(), "first");
            m = (TextMessage) cons.receive(2000);
            expect(m != null, "receive(timeout) gets a waiting message");
            eq("p2", m.getText(), "second");

            MessageProducer prod = ps.createProducer(q);
            Thread later = new Thread(() -> {
                try {
                    Thread.sleep(300);
                    prod.send(ps.createTextMessage("late"));
                } catch (Exception e) {
                    e.printStackTrace();
                }
            });
            later.start();
            m = (TextMessage) cons.receive(5000);
            expect(m != null, "a message sent during the wait arrives");
            eq("late", m.getText(), "late");
            later.join();
            // Nothing was prefetched: a second consumer gets the next one.
            sendTexts(ps, q, "q", 1);
            MessageConsumer other = pc.createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(q);
            expect(other.receive(2000) != null, "pull consumer kept nothing back");
        } finally {
            pc.close();
            c.close();
        }
    }

    static void topicNoLocal() throws Exception {
        Connection a = connect();
        Connection b = connect();
        try {
            Session sa = a.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Topic t = sa.createTopic("suite.nolocal");
            MessageConsumer local = sa.createConsumer(t, null, true);
            MessageConsumer all = sa.createConsumer(t);
            sa.createProducer(t).send(sa.createTextMessage("from-a"));
            Session sb = b.createSession(false, Session.AUTO_ACKNOWLEDGE);
            sb.createProducer(t).send(sb.createTextMessage("from-b"));
            TextMessage m = (TextMessage) local.receive(5000);
            expect(m != null, "noLocal subscriber gets the remote message");
            eq("from-b", m.getText(), "noLocal filters the local one");
            expect(local.receive(200) == null, "nothing else for noLocal");
            eq("from-a", ((TextMessage) all.receive(5000)).getText(), "plain subscriber 1");
            eq("from-b", ((TextMessage) all.receive(5000)).getText(), "plain subscriber 2");
        } finally {
            b.close();
            a.close();
        }
    }

    static void groups() throws Exception {
        Connection c = connect();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue("suite.groups");
            MessageProducer p = s.createProducer(q);
            for (int i = 1; i <= 2; i++) {
                TextMessage m = s.createTextMessage("g" + i);
                m.setStringProperty("JMSXGroupID", "G1");
                m.setIntProperty("JMSXGroupSeq", i);
                p.send(m);
            }
            MessageConsumer cons = s.createConsumer(q);
            Message m1 = cons.receive(5000);
            Message m2 = cons.receive(5000);
            expect(m1 != null && m2 != null, "group messages");
            eq("G1", m1.getStringProperty("JMSXGroupID"), "group id");
            eq(true, m1.getBooleanProperty("JMSXGroupFirstForConsumer"), "first of group");
            eq(false, m2.getBooleanProperty("JMSXGroupFirstForConsumer"), "second of group");
        } finally {
            c.close();
        }
    }

    static void exclusive() throws Exception {
        Connection c = connect();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue plainQ = s.createQueue("suite.exclusive");
            Queue exQ = s.createQueue("suite.exclusive?consumer.exclusive=true");
            MessageConsumer ex = s.createConsumer(exQ);
            MessageConsumer other = s.createConsumer(plainQ);
            sendTexts(s, plainQ, "e", 4);
            for (int i = 1; i <= 4; i++) {
                TextMessage m = (TextMessage) ex.receive(5000);
                expect(m != null, "exclusive consumer gets message " + i);
            }
            expect(other.receive(200) == null, "the other consumer gets nothing");
        } finally {
            c.close();
        }
    }

    static void stompToJms() throws Exception {
        Connection c = connect();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer cons = s.createConsumer(s.createQueue("interop.s2j"));
            Message m = cons.receive(5000);
            expect(m instanceof TextMessage, "STOMP text arrives as a TextMessage: " + m);
            eq("hello from st\u00f6mp", ((TextMessage) m).getText(), "text");
            eq("blue", m.getStringProperty("color"), "header as string property");
            eq("stomp-corr", m.getJMSCorrelationID(), "correlation id");
            eq(6, m.getJMSPriority(), "priority");
            expect(m.getJMSMessageID() != null && m.getJMSMessageID().startsWith("ID:"), "message id " + m.getJMSMessageID());
            Message b = cons.receive(5000);
            expect(b instanceof BytesMessage, "STOMP content-length body arrives as a BytesMessage: " + b);
            BytesMessage bm = (BytesMessage) b;
            byte[] data = new byte[(int) bm.getBodyLength()];
            bm.readBytes(data);
            expect(Arrays.equals(new byte[] {0, 1, 2, (byte) 255}, data), "bytes " + Arrays.toString(data));
            Message r = cons.receive(5000);
            expect(r instanceof TextMessage, "third message");
            Destination replyTo = r.getJMSReplyTo();
            expect(replyTo instanceof Queue && ((Queue) replyTo).getQueueName().equals("interop.reply"), "reply-to " + replyTo);
        } finally {
            c.close();
        }
    }

    static void jmsToStomp() throws Exception {
        ActiveMQConnectionFactory f = factory();
        Connection c = f.createConnection();
        c.start();
        ActiveMQConnectionFactory fz = factory();
        fz.setUseCompression(true);
        Connection cz = fz.createConnection();
        cz.start();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue("interop.j2s");
            MessageProducer p = s.createProducer(q);
            TextMessage t = s.createTextMessage("hello from j\u00e9ms");
            t.setStringProperty("color", "green");
            t.setIntProperty("count", 7);
            t.setBooleanProperty("flag", true);
            p.send(t);
            BytesMessage b = s.createBytesMessage();
            b.writeBytes(new byte[] {5, 0, 6});
            p.send(b);
            MapMessage mm = s.createMapMessage();
            mm.setString("k", "v");
            mm.setInt("n", 1);
            p.send(mm);
            Session sz = cz.createSession(false, Session.AUTO_ACKNOWLEDGE);
            StringBuilder big = new StringBuilder();
            for (int i = 0; i < 200; i++) {
                big.append("compressible ");
            }
            sz.createProducer(q).send(sz.createTextMessage(big.toString()));
            // The compressed one read back over OpenWire too.
            Queue q2 = s.createQueue("suite.compressed");
            sz.createProducer(q2).send(sz.createTextMessage(big.toString()));
            TextMessage back = (TextMessage) s.createConsumer(q2).receive(5000);
            expect(back != null, "compressed message received");
            eq(big.toString(), back.getText(), "compressed text");
        } finally {
            cz.close();
            c.close();
        }
    }

    static void burst() throws Exception {
        final int n = 20000;
        ActiveMQConnectionFactory f = factory();
        f.setUseAsyncSend(true);
        Connection c = f.createConnection();
        c.start();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue("suite.burst");
            final CountDownLatch done = new CountDownLatch(1);
            final AtomicInteger next = new AtomicInteger(0);
            final AtomicReference<String> err = new AtomicReference<>();
            Session rs = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            rs.createConsumer(q).setMessageListener(m -> {
                try {
                    int i = m.getIntProperty("i");
                    if (i != next.get() && err.get() == null) {
                        err.set("expected " + next.get() + " got " + i);
                    }
                    if (next.incrementAndGet() == n) {
                        done.countDown();
                    }
                } catch (JMSException e) {
                    err.set(e.toString());
                }
            });
            MessageProducer p = s.createProducer(q);
            long t0 = System.currentTimeMillis();
            for (int i = 0; i < n; i++) {
                TextMessage m = s.createTextMessage("burst");
                m.setIntProperty("i", i);
                p.send(m);
            }
            expect(done.await(60, TimeUnit.SECONDS), "all " + n + " arrived (got " + next.get() + ")");
            expect(err.get() == null, "in order: " + err.get());
            System.out.println("INFO burst " + n + " msgs in " + (System.currentTimeMillis() - t0) + " ms");
        } finally {
            c.close();
        }
    }

    static void failover() throws Exception {
        ActiveMQConnectionFactory f = new ActiveMQConnectionFactory(
            "failover:(tcp://127.0.0.1:" + port + ")?initialReconnectDelay=50&maxReconnectDelay=500&useExponentialBackOff=false");
        final AtomicInteger interrupted = new AtomicInteger();
        final AtomicInteger resumed = new AtomicInteger();
        f.setTransportListener(new org.apache.activemq.transport.TransportListener() {
            public void onCommand(Object command) {
            }

            public void onException(java.io.IOException error) {
            }

            public void transportInterupted() {
                interrupted.incrementAndGet();
            }

            public void transportResumed() {
                resumed.incrementAndGet();
            }
        });
        Connection c = f.createConnection();
        c.setClientID("suite-failover");
        c.start();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue("suite.failover");
            MessageConsumer cons = s.createConsumer(q);
            MessageProducer p = s.createProducer(q);
            p.send(s.createTextMessage("before"));
            TextMessage m = (TextMessage) cons.receive(5000);
            expect(m != null && m.getText().equals("before"), "before restart");
            System.out.println("RESTART");
            System.out.flush();
            String line = stdin.readLine();
            expect(line != null, "go-ahead from the test");
            p.send(s.createTextMessage("after"));
            m = (TextMessage) cons.receive(10000);
            expect(m != null, "message after the restart");
            eq("after", m.getText(), "after restart");
            expect(interrupted.get() >= 1 && resumed.get() >= 1,
                "the transport was interrupted and resumed (" + interrupted.get() + "/" + resumed.get() + ")");
        } finally {
            c.close();
        }
    }
}
