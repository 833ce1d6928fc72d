package io.raftwire.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * A long, fast network link between two local ports, for benchmarks: a TCP proxy on 127.0.0.1 that
 * delivers every byte one propagation delay after it has been serialised at the link's bandwidth,
 * in each direction. Bytes in the link (in flight plus a router buffer) are bounded, so a sender
 * that outruns it is held back by TCP, as on a real link. Two threads per direction of each
 * connection; blocking IO.
 */
final class DelayLink implements AutoCloseable {
  private final InetSocketAddress target;
  private final long oneWayNanos;
  private final long bytesPerSecond;
  private final long capacityBytes;
  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  /**
   * Starts listening on an ephemeral port of 127.0.0.1.
   *
   * @param target where connections go
   * @param oneWayNanos the propagation delay of each direction (half the round trip)
   * @param bytesPerSecond the bandwidth of each direction
   * @param bufferBytes the router buffer on top of the bytes in flight (bandwidth times delay)
   */
  DelayLink(InetSocketAddress target, long oneWayNanos, long bytesPerSecond, long bufferBytes) throws IOException {
    this.target = target;
    this.oneWayNanos = oneWayNanos;
    this.bytesPerSecond = bytesPerSecond;
    this.capacityBytes = bytesPerSecond * oneWayNanos / 1_000_000_000L + bufferBytes;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "delay-link-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
  }

  private void accept() {
    while (!closed) {
      try {
        Socket in = server.accept();
        Socket out = new Socket(target.getAddress(), target.getPort());
        for (Socket s : List.of(in, out)) {
          s.setTcpNoDelay(true);
          sockets.add(s);
        }
        pump(in, out, "up");
        pump(out, in, "down");
      } catch (IOException e) {
        if (!closed) {
          System.err.println("delay link: " + e);
        }
      }
    }
  }

  /** One direction: a reader that stamps chunks into the bounded link, a writer that delivers them. */
  private void pump(Socket from, Socket to, String direction) throws IOException {
    Pipe pipe = new Pipe();
    InputStream in = from.getInputStream();
    OutputStream out = to.getOutputStream();
    Thread reader = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try {
        int n;
        while ((n = in.read(buffer)) > 0) {
          pipe.put(Arrays.copyOf(buffer, n), System.nanoTime());
        }
      } catch (IOException e) {
        // the connection ended
      }
      pipe.put(null, System.nanoTime());
    }, "delay-link-" + direction + "-read");
    Thread writer = new Thread(() -> {
      long txEnd = 0;
      try {
        while (true) {
          Chunk chunk = pipe.take();
          if (chunk.bytes == null) {
            break;
          }
          long txStart = Math.max(chunk.arrivalNanos, txEnd);
          txEnd = txStart + chunk.bytes.length * 1_000_000_000L / bytesPerSecond;
          long deliverAt = txEnd + oneWayNanos;
          for (long wait; (wait = deliverAt - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(wait);
          }
          out.write(chunk.bytes);
          pipe.delivered(chunk.bytes.length);
        }
      } catch (IOException | InterruptedException e) {
        // the connection ended
      }
      closeQuietly(from);
      closeQuietly(to);
    }, "delay-link-" + direction + "-write");
    reader.setDaemon(true);
    writer.setDaemon(true);
    reader.start();
    writer.start();
  }

  /** Bytes read at {@code arrivalNanos}; {@code bytes} null marks the end of the connection. */
  private static final class Chunk {
    final byte[] bytes;
    final long arrivalNanos;

    Chunk(byte[] bytes, long arrivalNanos) {
      this.bytes = bytes;
      this.arrivalNanos = arrivalNanos;
    }
  }

  /** The bytes in one direction of the link, at most {@link #capacityBytes}. */
  private final class Pipe {
    private final ArrayDeque<Chunk> chunks = new ArrayDeque<>(); // @GuardedBy("this")
    private long bytes; // @GuardedBy("this"): taken by the writer are counted until delivered

    synchronized void put(byte[] chunk, long arrivalNanos) {
      try {
        while (chunk != null && bytes > 0 && bytes + chunk.length > capacityBytes && !closed) {
          wait();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      chunks.addLast(new Chunk(chunk, arrivalNanos));
      bytes += chunk == null ? 0 : chunk.length;
      notifyAll();
    }

    synchronized Chunk take() throws InterruptedException {
      while (chunks.isEmpty()) {
        wait();
      }
      return chunks.pollFirst();
    }

    synchronized void delivered(int n) {
      bytes -= n;
      notifyAll();
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }
}
