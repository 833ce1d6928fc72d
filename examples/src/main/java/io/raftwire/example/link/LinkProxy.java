package io.raftwire.example.link;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy for one directed link between stores (the connections store i opens to store j): it
 * accepts on an ephemeral loopback port and forwards each connection to the target, in one of four
 * modes. {@link Mode#PASS} forwards; {@link #delay} adds a latency (with jitter, order kept) to
 * every chunk in both directions; {@link #bandwidth} serialises each direction at a rate, so a
 * chunk is due its latency after the link has carried it; {@link Mode#BLOCK} stops reading, so TCP
 * back-pressure stalls the sender while the connections stay open; {@link Mode#DROP} resets every
 * open connection and every new one. Each direction holds at most its capacity in the link (read,
 * not yet written), so a sender that outruns it is held back by TCP, as on a real link. Blocking
 * sockets, a reader and a writer thread per direction of a connection. Thread-safe. For fault
 * tests and benchmarks, never for production traffic.
 */
public final class LinkProxy implements AutoCloseable {
  /** Bytes read at a time, so the most one chunk holds. */
  private static final int CHUNK_BYTES = 16384;
  /** Default bytes one direction holds: 4 MiB. */
  public static final int DEFAULT_CAPACITY_BYTES = 256 * CHUNK_BYTES;

  /** What the link does with its traffic. */
  public enum Mode {
    /** Forward (with the delay and bandwidth set). */
    PASS,
    /** Stop reading; connections stay open. */
    BLOCK,
    /** Reset every open and new connection. */
    DROP
  }

  private final String name;
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Object modeLock = new Object();
  private volatile Mode mode = Mode.PASS; // written under modeLock
  private volatile long delayNanos;
  private volatile long jitterNanos;
  private volatile long bytesPerSecond; // 0: unlimited
  private final int capacityChunks;
  private volatile boolean closed;

  /**
   * Starts a link of {@link #DEFAULT_CAPACITY_BYTES} per direction.
   *
   * @param name how threads and {@link #toString} name it
   * @param target where connections go
   * @throws IOException if no loopback port can be bound
   */
  public LinkProxy(String name, InetSocketAddress target) throws IOException {
    this(name, target, DEFAULT_CAPACITY_BYTES);
  }

  /**
   * Starts a link that holds at most {@code capacityBytes} per direction (for a long fast link: its
   * bandwidth times its delay, plus a router buffer).
   *
   * @param name how threads and {@link #toString} name it
   * @param target where connections go
   * @param capacityBytes the most bytes read and not yet written, per direction; at least 16 KiB
   * @throws IOException if no loopback port can be bound
   */
  public LinkProxy(String name, InetSocketAddress target, long capacityBytes) throws IOException {
    if (capacityBytes < CHUNK_BYTES) {
      throw new IllegalArgumentException("capacityBytes must be >= " + CHUNK_BYTES + ", was " + capacityBytes);
    }
    this.capacityChunks = (int) Math.min(Integer.MAX_VALUE, capacityBytes / CHUNK_BYTES);
    this.name = name;
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "proxy-" + name + "-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** {@return where the link's source store connects} */
  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
  }

  /**
   * Sets the mode; {@link Mode#DROP} resets the open connections at once.
   *
   * @param next the new mode
   */
  public void mode(Mode next) {
    synchronized (modeLock) {
      mode = next;
      modeLock.notifyAll();
    }
    if (next == Mode.DROP) {
      sockets.forEach(LinkProxy::reset);
    }
  }

  /**
   * Adds {@code millis} ± {@code jitterMillis} of latency to every chunk (0, 0: none).
   *
   * @param millis the latency of each direction
   * @param jitterMillis the most it varies by, either way
   */
  public void delay(long millis, long jitterMillis) {
    this.delayNanos = TimeUnit.MILLISECONDS.toNanos(millis);
    this.jitterNanos = TimeUnit.MILLISECONDS.toNanos(jitterMillis);
  }

  /**
   * Limits each direction to {@code bytesPerSecond} (0: unlimited), for chunks read from now on.
   *
   * @param bytesPerSecond the rate; at least 0
   */
  public void bandwidth(long bytesPerSecond) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("bytesPerSecond must be >= 0, was " + bytesPerSecond);
    }
    this.bytesPerSecond = bytesPerSecond;
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (mode == Mode.DROP) {
        reset(client);
        continue;
      }
      try {
        Socket upstream = new Socket();
        upstream.connect(target, 5000);
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(upstream);
        pipe(client, upstream, "out");
        pipe(upstream, client, "back");
      } catch (IOException e) {
        reset(client); // the target is down: as a refused connection looks to the source
      }
    }
  }

  /**
   * Copies {@code from} to {@code to} through a bounded queue of chunks, each due at its read time
   * plus the delay (never before the one ahead of it, so bytes keep their order).
   */
  private void pipe(Socket from, Socket to, String direction) {
    BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>(capacityChunks);
    Thread reader = new Thread(() -> {
      byte[] buffer = new byte[CHUNK_BYTES];
      long lastDue = 0;
      long carriedUntil = 0; // when the link has carried what was read so far, at its bandwidth
      try (InputStream in = from.getInputStream()) {
        while (true) {
          int n = in.read(buffer);
          awaitUnblocked(); // holds what it read, and reads no more, while blocked
          if (n < 0 || mode == Mode.DROP) {
            break;
          }
          long now = System.nanoTime();
          long rate = bytesPerSecond;
          if (rate > 0) {
            carriedUntil = Math.max(carriedUntil, now) + n * 1_000_000_000L / rate;
            now = carriedUntil;
          }
          long jitter = jitterNanos == 0 ? 0 : ThreadLocalRandom.current().nextLong(-jitterNanos, jitterNanos + 1);
          long due = now + Math.max(0, delayNanos + jitter);
          lastDue = lastDue == 0 ? due : Math.max(lastDue, due);
          queue.put(new Chunk(Arrays.copyOf(buffer, n), lastDue));
        }
      } catch (IOException | InterruptedException e) {
        // the connection is gone
      } finally {
        try {
          var unused = queue.offer(Chunk.END, 5, TimeUnit.SECONDS); // the writer may be gone already
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }, "proxy-" + name + "-" + direction + "-read");
    Thread writer = new Thread(() -> {
      try (OutputStream out = to.getOutputStream()) {
        while (true) {
          Chunk chunk = queue.take();
          if (chunk == Chunk.END || mode == Mode.DROP) {
            break;
          }
          for (long wait = chunk.due - System.nanoTime(); wait > 0; wait = chunk.due - System.nanoTime()) {
            LockSupport.parkNanos(wait); // the link's latency
          }
          out.write(chunk.bytes);
          out.flush();
        }
      } catch (IOException | InterruptedException e) {
        // the connection is gone
      } finally {
        reset(from);
        reset(to);
      }
    }, "proxy-" + name + "-" + direction + "-write");
    reader.setDaemon(true);
    writer.setDaemon(true);
    reader.start();
    writer.start();
  }

  private void awaitUnblocked() throws InterruptedException {
    synchronized (modeLock) {
      while (mode == Mode.BLOCK && !closed) {
        modeLock.wait();
      }
    }
  }

  private static void reset(Socket socket) {
    try {
      socket.setSoLinger(true, 0); // close with RST, as a dropped link looks
    } catch (IOException e) {
      // already closed
    }
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() {
    closed = true;
    synchronized (modeLock) {
      modeLock.notifyAll();
    }
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    sockets.forEach(LinkProxy::reset);
  }

  @Override
  public String toString() {
    return name + " " + mode + (delayNanos > 0 ? " +" + TimeUnit.NANOSECONDS.toMillis(delayNanos) + "ms" : "");
  }

  /** Bytes due at a time; {@link #END} ends the stream. */
  private static final class Chunk {
    static final Chunk END = new Chunk(new byte[0], 0);
    final byte[] bytes;
    final long due;

    Chunk(byte[] bytes, long due) {
      this.bytes = bytes;
      this.due = due;
    }
  }
}
