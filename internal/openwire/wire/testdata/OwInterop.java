import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.jms.MessageEOFException;

import org.apache.activemq.command.*;
import org.apache.activemq.openwire.OpenWireFormat;
import org.apache.activemq.openwire.OpenWireFormatFactory;
import org.apache.activemq.util.ByteSequence;
import org.apache.activemq.util.MarshallingSupport;

// Test helper: "gen" prints frames marshalled by the ActiveMQ client
// (loose encoding, no cache) as "F <name> <hex>"; "echo" reads "<name> <hex>"
// frames on stdin, unmarshals and re-marshals each, and prints the result
// plus "X <name> <what> <value>" lines describing what Java decoded.
public class OwInterop {
    static final String CONN = "ID:host-1234-1700000000000-1:1";
    static final String EMOJI = "\uD83D\uDE00";
    static final String NUL = "a\u0000b";

    static OpenWireFormat fmt(int version, boolean stackTrace) {
        OpenWireFormat f = new OpenWireFormat(version);
        f.setTightEncodingEnabled(false);
        f.setCacheEnabled(false);
        f.setStackTraceEnabled(stackTrace);
        f.setSizePrefixDisabled(false);
        return f;
    }

    static ConnectionId connId() { return new ConnectionId(CONN); }
    static SessionId sessId() { return new SessionId(connId(), 1); }
    static ConsumerId consId() { return new ConsumerId(sessId(), 2); }
    static ProducerId prodId() { return new ProducerId(sessId(), 3); }
    static BrokerId broker() { return new BrokerId("ID:broker-1"); }

    static MessageId msgId(long seq, long bseq) {
        MessageId m = new MessageId(prodId(), seq);
        m.setBrokerSequenceId(bseq);
        return m;
    }

    static LocalTransactionId localTx() { return new LocalTransactionId(connId(), 5); }

    static XATransactionId xaTx() {
        XATransactionId x = new XATransactionId();
        x.setFormatId(77);
        x.setGlobalTransactionId(new byte[] {1, 2, 3});
        x.setBranchQualifier(new byte[0]);
        return x;
    }

    static byte[] marshalMap(Map<String, Object> m) throws Exception {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bo);
        MarshallingSupport.marshalPrimitiveMap(m, out);
        out.close();
        return bo.toByteArray();
    }

    static byte[] props() throws Exception {
        TreeMap<String, Object> m = new TreeMap<String, Object>();
        m.put("bool", Boolean.TRUE);
        m.put("byte", Byte.valueOf((byte) -4));
        m.put("char", Character.valueOf('x'));
        m.put("short", Short.valueOf((short) -300));
        m.put("int", Integer.valueOf(70000));
        m.put("long", Long.valueOf(-1L << 40));
        m.put("double", Double.valueOf(1.5));
        m.put("float", Float.valueOf(2.5f));
        m.put("str", "h\u00e9llo");
        m.put("empty", "");
        m.put("bytes", new byte[] {9, 8, 7});
        m.put("nul", null);
        return marshalMap(m);
    }

    static ActiveMQTextMessage textMessage() throws Exception {
        ActiveMQTextMessage t = new ActiveMQTextMessage();
        t.setCommandId(9);
        t.setResponseRequired(true);
        t.setProducerId(prodId());
        t.setDestination(new ActiveMQQueue("TEST.Q"));
        t.setMessageId(msgId(1, 0));
        t.setPersistent(true);
        t.setPriority((byte) 4);
        t.setTimestamp(1700000000123L);
        t.setText("h\u00e9llo" + NUL + EMOJI);
        t.setMarshalledProperties(new ByteSequence(props()));
        return t;
    }

    static void basic(Message m, int cmd, long seq) {
        m.setCommandId(cmd);
        m.setProducerId(prodId());
        m.setDestination(new ActiveMQQueue("TEST.Q"));
        m.setMessageId(msgId(seq, 0));
        m.setPersistent(false);
        m.setPriority((byte) 4);
    }

    static ActiveMQMessage fullMessage() throws Exception {
        ActiveMQMessage m = new ActiveMQMessage();
        m.setCommandId(11);
        m.setResponseRequired(false);
        m.setProducerId(prodId());
        m.setDestination(new ActiveMQTopic("TEST.T"));
        m.setTransactionId(localTx());
        m.setOriginalDestination(new ActiveMQQueue("ORIG"));
        MessageId id = new MessageId(prodId(), 7);
        id.setBrokerSequenceId(99);
        id.setTextView("ID:text-view:1:1:1");
        m.setMessageId(id);
        m.setOriginalTransactionId(xaTx());
        m.setGroupID("grp");
        m.setGroupSequence(3);
        m.setCorrelationId("");
        m.setPersistent(false);
        m.setExpiration(1700000060000L);
        m.setPriority((byte) 9);
        m.setReplyTo(new ActiveMQTempQueue(CONN + ":1"));
        m.setTimestamp(1700000000000L);
        m.setType("typ" + EMOJI);
        m.setContent(new ByteSequence(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef}));
        TreeMap<String, Object> p = new TreeMap<String, Object>();
        p.put("k", "v");
        m.setMarshalledProperties(new ByteSequence(marshalMap(p)));
        m.setDataStructure(consId());
        m.setTargetConsumerId(consId());
        m.setCompressed(false);
        m.setRedeliveryCounter(2);
        m.setBrokerPath(new BrokerId[] {broker(), new BrokerId("ID:broker-2")});
        m.setArrival(1700000000001L);
        m.setUserID("user");
        m.setRecievedByDFBridge(true);
        m.setDroppable(true);
        m.setCluster(new BrokerId[0]);
        m.setBrokerInTime(1700000000002L);
        m.setBrokerOutTime(1700000000003L);
        m.setJMSXGroupFirstForConsumer(true);
        return m;
    }

    static ConsumerInfo consumerInfo() {
        ConsumerInfo c = new ConsumerInfo(consId());
        c.setCommandId(4);
        c.setResponseRequired(true);
        c.setBrowser(false);
        c.setDestination(new ActiveMQTopic("TEST.T"));
        c.setPrefetchSize(32767);
        c.setMaximumPendingMessageLimit(10);
        c.setDispatchAsync(true);
        c.setSelector("color = 'red'");
        c.setClientId("cid");
        c.setSubscriptionName("sub");
        c.setNoLocal(true);
        c.setExclusive(false);
        c.setRetroactive(true);
        c.setPriority((byte) 5);
        c.setBrokerPath(null);
        c.setAdditionalPredicate(null);
        c.setNetworkSubscription(false);
        c.setOptimizedAcknowledge(true);
        c.setNoRangeAcks(true);
        c.setNetworkConsumerPath(new ConsumerId[] {consId()});
        return c;
    }

    static List<Object[]> samples() throws Exception {
        List<Object[]> out = new ArrayList<Object[]>();

        BrokerInfo peer = new BrokerInfo();
        peer.setBrokerId(new BrokerId("ID:peer"));
        peer.setBrokerName("peer");
        BrokerInfo bi = new BrokerInfo();
        bi.setCommandId(1);
        bi.setBrokerId(broker());
        bi.setBrokerURL("tcp://localhost:61616");
        bi.setPeerBrokerInfos(new BrokerInfo[] {peer});
        bi.setBrokerName("localhost");
        bi.setSlaveBroker(false);
        bi.setMasterBroker(true);
        bi.setFaultTolerantConfiguration(false);
        bi.setDuplexConnection(true);
        bi.setNetworkConnection(false);
        bi.setConnectionId(123456789L);
        bi.setBrokerUploadUrl(null);
        bi.setNetworkProperties("a=b");
        out.add(new Object[] {"brokerinfo", bi});

        ConnectionInfo ci = new ConnectionInfo();
        ci.setCommandId(1);
        ci.setResponseRequired(true);
        ci.setConnectionId(connId());
        ci.setClientId("cid" + EMOJI);
        ci.setPassword("pass");
        ci.setUserName("user" + NUL);
        ci.setBrokerPath(new BrokerId[] {broker()});
        ci.setBrokerMasterConnector(false);
        ci.setManageable(true);
        ci.setClientMaster(true);
        ci.setFaultTolerant(false);
        ci.setFailoverReconnect(true);
        ci.setClientIp("tcp://127.0.0.1:5555");
        out.add(new Object[] {"connectioninfo", ci});

        ConnectionInfo cn = new ConnectionInfo(connId());
        cn.setCommandId(2);
        cn.setClientId("");
        cn.setPassword(null);
        cn.setUserName(null);
        cn.setBrokerPath(null);
        cn.setBrokerMasterConnector(false);
        cn.setManageable(false);
        cn.setClientMaster(false);
        cn.setFaultTolerant(false);
        cn.setFailoverReconnect(false);
        cn.setClientIp(null);
        out.add(new Object[] {"connectioninfo-nulls", cn});

        SessionInfo si = new SessionInfo(sessId());
        si.setCommandId(3);
        out.add(new Object[] {"sessioninfo", si});

        out.add(new Object[] {"consumerinfo", consumerInfo()});

        ProducerInfo pi = new ProducerInfo(prodId());
        pi.setCommandId(5);
        pi.setResponseRequired(true);
        pi.setDestination(null);
        pi.setBrokerPath(new BrokerId[0]);
        pi.setDispatchAsync(true);
        pi.setWindowSize(1024);
        out.add(new Object[] {"producerinfo", pi});

        TransactionInfo tl = new TransactionInfo(connId(), localTx(), TransactionInfo.COMMIT_ONE_PHASE);
        tl.setCommandId(6);
        tl.setResponseRequired(true);
        out.add(new Object[] {"transactioninfo-local", tl});

        TransactionInfo tx = new TransactionInfo(connId(), xaTx(), TransactionInfo.PREPARE);
        tx.setCommandId(7);
        out.add(new Object[] {"transactioninfo-xa", tx});

        DestinationInfo di = new DestinationInfo(connId(), DestinationInfo.ADD_OPERATION_TYPE, new ActiveMQTempQueue(CONN + ":1"));
        di.setCommandId(8);
        di.setResponseRequired(true);
        di.setTimeout(0);
        di.setBrokerPath(null);
        out.add(new Object[] {"destinationinfo", di});

        RemoveSubscriptionInfo rs = new RemoveSubscriptionInfo();
        rs.setCommandId(9);
        rs.setResponseRequired(true);
        rs.setConnectionId(connId());
        rs.setSubscriptionName("sub");
        rs.setClientId("cid");
        out.add(new Object[] {"removesubscriptioninfo", rs});

        KeepAliveInfo ka = new KeepAliveInfo();
        ka.setCommandId(0);
        ka.setResponseRequired(true);
        out.add(new Object[] {"keepaliveinfo", ka});

        ShutdownInfo sh = new ShutdownInfo();
        sh.setCommandId(10);
        out.add(new Object[] {"shutdowninfo", sh});

        RemoveInfo ri = new RemoveInfo(consId());
        ri.setCommandId(12);
        ri.setLastDeliveredSequenceId(42);
        out.add(new Object[] {"removeinfo", ri});

        RemoveInfo rc = new RemoveInfo(connId());
        rc.setCommandId(13);
        rc.setResponseRequired(true);
        rc.setLastDeliveredSequenceId(-2);
        out.add(new Object[] {"removeinfo-conn", rc});

        ControlCommand cc = new ControlCommand();
        cc.setCommandId(14);
        cc.setCommand("shutdown");
        out.add(new Object[] {"controlcommand", cc});

        ConnectionError ce = new ConnectionError();
        ce.setCommandId(15);
        ce.setException(new IllegalStateException("bad " + EMOJI));
        ce.setConnectionId(connId());
        out.add(new Object[] {"connectionerror", ce});

        ConsumerControl cco = new ConsumerControl();
        cco.setCommandId(16);
        cco.setDestination(new ActiveMQQueue("TEST.Q"));
        cco.setClose(false);
        cco.setConsumerId(consId());
        cco.setPrefetch(100);
        cco.setFlush(true);
        cco.setStart(false);
        cco.setStop(true);
        out.add(new Object[] {"consumercontrol", cco});

        ConnectionControl cct = new ConnectionControl();
        cct.setCommandId(17);
        cct.setClose(false);
        cct.setExit(true);
        cct.setFaultTolerant(false);
        cct.setResume(true);
        cct.setSuspend(false);
        cct.setConnectedBrokers("tcp://a:1,tcp://b:2");
        cct.setReconnectTo(null);
        cct.setRebalanceConnection(true);
        cct.setToken(new byte[] {1, 2, 3});
        out.add(new Object[] {"connectioncontrol", cct});

        ProducerAck pa = new ProducerAck(prodId(), 4096);
        pa.setCommandId(18);
        out.add(new Object[] {"produceack", pa});

        MessagePull mp = new MessagePull();
        mp.setCommandId(19);
        mp.setConsumerId(consId());
        mp.setDestination(new ActiveMQQueue("TEST.Q"));
        mp.setTimeout(-1);
        mp.setCorrelationId("corr");
        mp.setMessageId(msgId(4, 5));
        out.add(new Object[] {"messagepull", mp});

        MessageDispatch md = new MessageDispatch();
        md.setCommandId(20);
        md.setConsumerId(consId());
        md.setDestination(new ActiveMQQueue("TEST.Q"));
        md.setMessage(textMessage());
        md.setRedeliveryCounter(1);
        out.add(new Object[] {"messagedispatch", md});

        MessageDispatch mn = new MessageDispatch();
        mn.setCommandId(21);
        mn.setConsumerId(consId());
        mn.setDestination(new ActiveMQQueue("TEST.Q"));
        mn.setMessage(null);
        mn.setRedeliveryCounter(0);
        out.add(new Object[] {"messagedispatch-null", mn});

        MessageAck ma = new MessageAck();
        ma.setCommandId(22);
        ma.setDestination(new ActiveMQQueue("TEST.Q"));
        ma.setTransactionId(localTx());
        ma.setConsumerId(consId());
        ma.setAckType((byte) 1);
        ma.setFirstMessageId(msgId(1, 10));
        ma.setLastMessageId(msgId(2, 11));
        ma.setMessageCount(2);
        ma.setPoisonCause(new javax.jms.JMSException("poisoned"));
        out.add(new Object[] {"messageack", ma});

        Response r = new Response();
        r.setCommandId(23);
        r.setCorrelationId(1);
        out.add(new Object[] {"response", r});

        ExceptionResponse er = new ExceptionResponse();
        er.setCommandId(24);
        er.setCorrelationId(5);
        er.setException(new javax.jms.InvalidDestinationException("no such destination"));
        out.add(new Object[] {"exceptionresponse", er});

        ExceptionResponse en = new ExceptionResponse();
        en.setCommandId(25);
        en.setCorrelationId(6);
        en.setException(new NullPointerException());
        out.add(new Object[] {"exceptionresponse-nullmsg", en});

        DataResponse dr = new DataResponse();
        dr.setCommandId(26);
        dr.setCorrelationId(7);
        dr.setData(connId());
        out.add(new Object[] {"dataresponse", dr});

        DataArrayResponse da = new DataArrayResponse();
        da.setCommandId(27);
        da.setCorrelationId(8);
        da.setData(new DataStructure[] {broker(), new ActiveMQQueue("Q2"), null, xaTx()});
        out.add(new Object[] {"dataarrayresponse", da});

        IntegerResponse ir = new IntegerResponse();
        ir.setCommandId(28);
        ir.setCorrelationId(9);
        ir.setResult(-7);
        out.add(new Object[] {"integerresponse", ir});

        out.add(new Object[] {"msg-text", textMessage()});
        out.add(new Object[] {"msg-full", fullMessage()});

        ActiveMQMessage adv = new ActiveMQMessage();
        adv.setCommandId(0);
        ProducerId ap = new ProducerId(new SessionId(new ConnectionId("ID:broker-1"), 0), 1);
        adv.setProducerId(ap);
        adv.setDestination(new ActiveMQTopic("ActiveMQ.Advisory.TempQueue"));
        MessageId aid = new MessageId(ap, 1);
        aid.setBrokerSequenceId(1);
        adv.setMessageId(aid);
        adv.setPersistent(false);
        adv.setPriority((byte) 0);
        adv.setType("Advisory");
        DestinationInfo adi = new DestinationInfo(connId(), DestinationInfo.ADD_OPERATION_TYPE, new ActiveMQTempQueue(CONN + ":1"));
        adv.setDataStructure(adi);
        out.add(new Object[] {"msg-advisory", adv});

        ActiveMQBytesMessage bm = new ActiveMQBytesMessage();
        basic(bm, 30, 2);
        bm.writeBytes(new byte[] {0, 1, 2, (byte) 0xff});
        bm.storeContent();
        out.add(new Object[] {"msg-bytes", bm});

        ActiveMQStreamMessage sm = new ActiveMQStreamMessage();
        basic(sm, 31, 3);
        sm.writeBoolean(true);
        sm.writeByte((byte) -1);
        sm.writeShort((short) 2);
        sm.writeChar('c');
        sm.writeInt(3);
        sm.writeLong(4);
        sm.writeFloat(5.5f);
        sm.writeDouble(6.25);
        sm.writeString("s" + NUL);
        sm.writeBytes(new byte[] {1, 2});
        sm.writeObject(null);
        sm.storeContent();
        out.add(new Object[] {"msg-stream", sm});

        ActiveMQBlobMessage bl = new ActiveMQBlobMessage();
        basic(bl, 32, 4);
        bl.setRemoteBlobUrl("http://blob/1");
        bl.setMimeType("text/plain");
        bl.setDeletedByBroker(true);
        out.add(new Object[] {"msg-blob", bl});
        return out;
    }

    static List<Object[]> javaOnly() throws Exception {
        List<Object[]> out = new ArrayList<Object[]>();
        OpenWireFormatFactory factory = new OpenWireFormatFactory();
        OpenWireFormat f = (OpenWireFormat) factory.createWireFormat();
        out.add(new Object[] {"jonly-wireformat", f.getPreferedWireFormatInfo()});

        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            sb.append("compressed text ").append(i).append(' ');
        }
        sb.append(EMOJI);
        ActiveMQTextMessage tc = new ActiveMQTextMessage();
        basic(tc, 40, 10);
        tc.setText(sb.toString());
        tc.compress();
        out.add(new Object[] {"jonly-text-compressed", tc});

        ActiveMQBytesMessage bc = new ActiveMQBytesMessage();
        basic(bc, 41, 11);
        byte[] raw = new byte[3000];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) (i % 7);
        }
        bc.writeBytes(raw);
        bc.storeContent();
        bc.compress();
        out.add(new Object[] {"jonly-bytes-compressed", bc});

        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 9000; i++) {
            big.append((char) ('a' + i % 26));
        }
        for (int c = 0; c < 2; c++) {
            ActiveMQMapMessage mm = new ActiveMQMapMessage();
            basic(mm, 42 + c, 12 + c);
            mm.setBoolean("b", true);
            mm.setInt("i", 5);
            mm.setString("s", "h\u00e9llo");
            mm.setString("big", big.toString());
            mm.setBytes("bytes", new byte[] {1, 2});
            mm.setChar("c", 'c');
            mm.setLong("l", 7L);
            mm.setFloat("f", 1.25f);
            mm.setDouble("d", 2.5);
            mm.setShort("sh", (short) 3);
            mm.setByte("by", (byte) 4);
            if (c == 1) {
                mm.storeContent();
                mm.compress();
                out.add(new Object[] {"jonly-map-compressed", mm});
            } else {
                out.add(new Object[] {"jonly-map", mm});
            }
        }

        ActiveMQObjectMessage om = new ActiveMQObjectMessage();
        basic(om, 44, 14);
        om.setObject("hello");
        out.add(new Object[] {"jonly-object", om});

        Exception cause = new IllegalStateException("inner");
        ExceptionResponse st = new ExceptionResponse();
        st.setCommandId(45);
        st.setCorrelationId(3);
        st.setException(new java.io.IOException("outer", cause));
        out.add(new Object[] {"st:jonly-exceptionresponse", st});
        return out;
    }

    static String hex(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder(len * 2);
        for (int i = off; i < off + len; i++) {
            sb.append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append(Character.forDigit(b[i] & 0xf, 16));
        }
        return sb.toString();
    }

    static String hex(ByteSequence s) { return hex(s.getData(), s.getOffset(), s.getLength()); }

    static byte[] unhex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    static String utf16(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            sb.append(String.format("%04x", (int) s.charAt(i)));
        }
        return sb.toString();
    }

    static String describe(Object v) {
        if (v instanceof org.fusesource.hawtbuf.UTF8Buffer) {
            v = v.toString();
        }
        if (v == null) {
            return "null";
        }
        if (v instanceof byte[]) {
            byte[] b = (byte[]) v;
            return "byte[]:" + hex(b, 0, b.length);
        }
        if (v instanceof String) {
            return "String:" + utf16((String) v);
        }
        return v.getClass().getSimpleName() + ":" + v;
    }

    static OpenWireFormat formatFor(String name) {
        if (name.startsWith("v9:")) {
            return fmt(9, false);
        }
        if (name.startsWith("st:")) {
            return fmt(12, true);
        }
        return fmt(12, false);
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("gen")) {
            List<Object[]> all = new ArrayList<Object[]>(samples());
            all.addAll(javaOnly());
            all.add(new Object[] {"v9:consumerinfo", consumerInfo()});
            all.add(new Object[] {"v9:msg-full", fullMessage()});
            all.add(new Object[] {"v9:msg-text", textMessage()});
            for (Object[] s : all) {
                String name = (String) s[0];
                System.out.println("F " + name + " " + hex(formatFor(name).marshal(s[1])));
            }
            return;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split(" ");
            String name = parts[0];
            OpenWireFormat f = formatFor(name);
            Object o;
            try {
                o = f.unmarshal(new ByteSequence(unhex(parts[1])));
            } catch (Exception e) {
                System.out.println("E " + name + " " + e);
                continue;
            }
            System.out.println("F " + name + " " + hex(f.marshal(o)));
            describeCommand(name, o);
        }
    }

    static void x(String name, String what, String value) {
        System.out.println("X " + name + " " + what + " " + value);
    }

    static void describeCommand(String name, Object o) throws Exception {
        if (o instanceof WireFormatInfo) {
            WireFormatInfo w = (WireFormatInfo) o;
            x(name, "wf", "valid=" + w.isValid() + ",version=" + w.getVersion() + ",stack=" + w.isStackTraceEnabled()
                + ",tcpNoDelay=" + w.isTcpNoDelayEnabled() + ",cache=" + w.isCacheEnabled() + ",tight="
                + w.isTightEncodingEnabled() + ",noPrefix=" + w.isSizePrefixDisabled() + ",maxFrameSizeEnabled="
                + w.isMaxFrameSizeEnabled() + ",cacheSize=" + w.getCacheSize() + ",maxFrameSize=" + w.getMaxFrameSize()
                + ",inactivity=" + w.getMaxInactivityDuration() + ",initialDelay="
                + w.getMaxInactivityDurationInitalDelay() + ",provider=" + w.getProviderName());
        }
        if (o instanceof ExceptionResponse) {
            Throwable t = ((ExceptionResponse) o).getException();
            x(name, "exc", t.getClass().getName() + ":" + (t.getMessage() == null ? "null" : utf16(t.getMessage())));
        }
        if (o instanceof MessageDispatch) {
            o = ((MessageDispatch) o).getMessage();
        }
        if (!(o instanceof Message)) {
            return;
        }
        Message m = (Message) o;
        Map<String, Object> props = m.getProperties();
        if (!props.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<String, Object> e : new TreeMap<String, Object>(props).entrySet()) {
                sb.append(e.getKey()).append('=').append(describe(e.getValue())).append(';');
            }
            x(name, "props", sb.toString());
        }
        m.setReadOnlyBody(true);
        if (o instanceof ActiveMQTextMessage) {
            String t = ((ActiveMQTextMessage) o).getText();
            x(name, "text", t == null ? "null" : utf16(t));
        } else if (o instanceof ActiveMQMapMessage) {
            ActiveMQMapMessage mm = (ActiveMQMapMessage) o;
            TreeMap<String, Object> sorted = new TreeMap<String, Object>();
            for (Enumeration<?> e = mm.getMapNames(); e.hasMoreElements();) {
                String k = (String) e.nextElement();
                sorted.put(k, mm.getObject(k));
            }
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<String, Object> e : sorted.entrySet()) {
                sb.append(e.getKey()).append('=').append(describe(e.getValue())).append(';');
            }
            x(name, "map", sb.toString());
        } else if (o instanceof ActiveMQBytesMessage) {
            ActiveMQBytesMessage bm = (ActiveMQBytesMessage) o;
            byte[] b = new byte[(int) bm.getBodyLength()];
            bm.readBytes(b);
            x(name, "bytes", hex(b, 0, b.length));
        } else if (o instanceof ActiveMQStreamMessage) {
            ActiveMQStreamMessage sm = (ActiveMQStreamMessage) o;
            StringBuilder sb = new StringBuilder();
            try {
                while (true) {
                    sb.append(describe(sm.readObject())).append(';');
                }
            } catch (MessageEOFException eof) {
                // end of stream
            }
            x(name, "stream", sb.toString());
        }
    }
}
