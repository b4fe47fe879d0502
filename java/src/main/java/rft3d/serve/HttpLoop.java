package rft3d.serve;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A small HTTP/1.1 server on one non-blocking selector thread. No thread ever waits on a client: bytes
 * are read as they arrive, and a request that has not fully arrived within the read timeout gets 408, so
 * slow or stalled clients cost a buffer each, never a thread, and cannot delay anyone else. Complete
 * requests go to the {@link Handler} on the selector thread, which must not block (the reward service
 * answers /health there and hands scoring to its workers); answers may come from any thread.
 *
 * <p>Keep-alive, Content-Length and chunked bodies, {@code Expect: 100-continue}. One request per
 * connection is handled at a time (pipelined bytes wait for the answer). Beyond {@code maxConnections}
 * new connections get 503 and are closed.
 */
final class HttpLoop implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("rft3d.serve");
    private static final long TICK_MS = 100;
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Called with each complete request on the selector thread; must answer through the exchange, not block. */
    interface Handler {
        void handle(HttpRequest request, Exchange exchange);
    }

    /**
     * @param maxHeaderBytes request line plus headers
     * @param maxBodyBytes largest body
     * @param readTimeoutMillis from a request's first byte to its last; also the most a response may
     *     take to be written out
     * @param idleTimeoutMillis how long a keep-alive connection may wait for its next request
     * @param maxConnections open connections at once
     */
    record Limits(int maxHeaderBytes, long maxBodyBytes, long readTimeoutMillis, long idleTimeoutMillis, int maxConnections) {}

    /** Where one request's answer goes. Thread-safe; the first answer wins, later ones are ignored. */
    final class Exchange {
        private final Connection conn;
        private final boolean keepAlive;
        private final AtomicBoolean answered = new AtomicBoolean();

        private Exchange(Connection conn, boolean keepAlive) {
            this.conn = conn;
            this.keepAlive = keepAlive;
        }

        /** Sends the response unless one was sent already; returns whether this one was. */
        boolean send(HttpResponse response) {
            if (!answered.compareAndSet(false, true)) return false;
            outgoing.add(new Outgoing(conn, response.encode(keepAlive), keepAlive));
            selector.wakeup();
            return true;
        }
    }

    private record Outgoing(Connection conn, byte[] bytes, boolean keepAlive) {}

    private final class Connection {
        final SocketChannel channel;
        final SelectionKey key;
        final RequestParser parser = new RequestParser(limits.maxHeaderBytes(), limits.maxBodyBytes());
        ByteBuffer in = ByteBuffer.allocate(1 << 16).flip(); // kept in read mode: unconsumed bytes
        final Queue<ByteBuffer> out = new ArrayDeque<>();
        boolean busy; // a request was dispatched and its answer is not yet written out
        boolean answerQueued, closeAfterWrite, closed;
        long lastActivity = System.nanoTime(), requestStart = -1, writeStart = -1;

        Connection(SocketChannel channel) throws IOException {
            this.channel = channel;
            this.key = channel.register(selector, SelectionKey.OP_READ, this);
        }
    }

    private final Limits limits;
    private final Handler handler;
    private final Selector selector;
    private final ServerSocketChannel server;
    private final Queue<Outgoing> outgoing = new ConcurrentLinkedQueue<>();
    private final List<Connection> connections = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * Binds {@code address} (the loop serves after {@link #start()}).
     *
     * @throws IOException naming the address when it cannot be bound
     */
    HttpLoop(InetSocketAddress address, Limits limits, Handler handler) throws IOException {
        this.limits = limits;
        this.handler = handler;
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open();
        try {
            server.bind(address, 128);
        } catch (BindException e) {
            server.close();
            selector.close();
            throw new BindException("cannot listen on " + address.getHostString() + ":" + address.getPort() + ": " + e.getMessage());
        }
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        this.thread = new Thread(this::loop, "rft3d-http");
        thread.setDaemon(true);
    }

    HttpLoop start() {
        thread.start();
        return this;
    }

    int port() {
        return server.socket().getLocalPort();
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        try {
            while (running) {
                selector.select(TICK_MS);
                for (Outgoing o; (o = outgoing.poll()) != null; ) queue(o);
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (!k.isValid()) continue;
                    if (k.isAcceptable()) accept();
                    else {
                        Connection c = (Connection) k.attachment();
                        if (k.isWritable()) write(c);
                        if (k.isValid() && k.isReadable()) read(c);
                    }
                }
                expire();
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.SEVERE, "HTTP loop stopped", e);
        } finally {
            for (Connection c : new ArrayList<>(connections)) close(c);
            try {
                server.close();
                selector.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void accept() throws IOException {
        for (SocketChannel ch; (ch = server.accept()) != null; ) {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (connections.size() >= limits.maxConnections()) {
                // Best effort: the answer fits one socket buffer, so a non-blocking write sends it whole.
                ch.write(ByteBuffer.wrap(HttpResponse.error(503, null, "too many connections (" + limits.maxConnections() + "); retry later").encode(false)));
                ch.close();
                continue;
            }
            connections.add(new Connection(ch));
        }
    }

    private void read(Connection c) {
        c.in.compact();
        if (!c.in.hasRemaining()) c.in = ByteBuffer.allocate(c.in.capacity() * 2).put(c.in.flip());
        int n;
        try {
            n = c.channel.read(c.in);
        } catch (IOException e) {
            n = -1;
        }
        c.in.flip();
        if (n < 0) {
            close(c);
            return;
        }
        c.lastActivity = System.nanoTime();
        consume(c);
    }

    /** Feeds the buffered bytes to the parser until a request is complete (then waits for its answer). */
    private void consume(Connection c) {
        try {
            while (!c.busy && c.in.hasRemaining()) {
                HttpRequest req = c.parser.feed(c.in);
                if (c.parser.started() && c.requestStart < 0) c.requestStart = System.nanoTime();
                if (c.parser.takeContinue()) queueBytes(c, CONTINUE);
                if (req != null) dispatch(c, req);
            }
        } catch (HttpError e) {
            c.busy = true;
            queue(new Outgoing(c, HttpResponse.error(e.status, e.field, e.getMessage()).encode(false), false));
        }
        updateInterest(c);
    }

    private void dispatch(Connection c, HttpRequest req) {
        c.busy = true;
        c.requestStart = -1;
        Exchange ex = new Exchange(c, req.keepAlive());
        try {
            handler.handle(req, ex);
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "handler failed", e);
            ex.send(HttpResponse.error(500, null, "internal error"));
        }
    }

    private void queue(Outgoing o) {
        Connection c = o.conn();
        if (c.closed) return;
        if (!o.keepAlive()) c.closeAfterWrite = true;
        c.answerQueued = true;
        queueBytes(c, o.bytes());
        write(c);
    }

    private void queueBytes(Connection c, byte[] bytes) {
        if (c.out.isEmpty()) c.writeStart = System.nanoTime();
        c.out.add(ByteBuffer.wrap(bytes));
        updateInterest(c);
    }

    private void write(Connection c) {
        try {
            while (!c.out.isEmpty()) {
                ByteBuffer b = c.out.peek();
                c.channel.write(b);
                if (b.hasRemaining()) break;
                c.out.poll();
                c.writeStart = System.nanoTime();
            }
        } catch (IOException e) {
            close(c);
            return;
        }
        if (!c.out.isEmpty() || c.closed) {
            updateInterest(c);
            return;
        }
        c.writeStart = -1;
        if (c.closeAfterWrite) {
            close(c);
            return;
        }
        if (c.answerQueued) {
            c.answerQueued = false;
            c.busy = false;
            c.lastActivity = System.nanoTime();
            consume(c); // a pipelined request may be waiting in the buffer
        }
        updateInterest(c);
    }

    private void updateInterest(Connection c) {
        if (c.closed || !c.key.isValid()) return;
        int ops = (c.busy || c.closeAfterWrite ? 0 : SelectionKey.OP_READ) | (c.out.isEmpty() ? 0 : SelectionKey.OP_WRITE);
        c.key.interestOps(ops);
    }

    /** 408 for requests that arrive too slowly; closes idle connections and stalled readers. */
    private void expire() {
        long now = System.nanoTime();
        long read = limits.readTimeoutMillis() * 1_000_000L, idle = limits.idleTimeoutMillis() * 1_000_000L;
        for (Connection c : new ArrayList<>(connections)) {
            if (c.writeStart >= 0 && now - c.writeStart > read) {
                close(c); // the client does not read its answer
            } else if (!c.busy && c.requestStart >= 0 && now - c.requestStart > read) {
                c.busy = true;
                queue(new Outgoing(c, HttpResponse.error(408, null, "request not received within " + limits.readTimeoutMillis() + " ms").encode(false), false));
            } else if (!c.busy && c.requestStart < 0 && c.out.isEmpty() && now - c.lastActivity > idle) {
                close(c);
            }
        }
    }

    private void close(Connection c) {
        if (c.closed) return;
        c.closed = true;
        connections.remove(c);
        c.key.cancel();
        try {
            c.channel.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
