package io.raftwire.example.kv;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The lines the process logs while it is open. The example's tests log through slf4j-simple to
 * {@code System.err}, which it looks up on every line; this puts a recording tee there and passes
 * everything on to the stream it replaced.
 */
public final class LogLines implements AutoCloseable {
  private final PrintStream original = System.err;
  private final ByteArrayOutputStream recorded = new ByteArrayOutputStream();

  /** Starts recording. */
  public LogLines() {
    System.setErr(new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        synchronized (recorded) {
          recorded.write(b);
        }
        original.write(b);
      }

      @Override
      public void write(byte[] bytes, int offset, int length) {
        synchronized (recorded) {
          recorded.write(bytes, offset, length);
        }
        original.write(bytes, offset, length);
      }
    }, true, StandardCharsets.UTF_8));
  }

  /** The complete lines written so far. */
  public List<String> lines() {
    String text;
    synchronized (recorded) {
      text = recorded.toString(StandardCharsets.UTF_8);
    }
    int end = text.lastIndexOf('\n');
    return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n", -1));
  }

  /** How many complete lines were written so far. */
  public long count() {
    return lines().size();
  }

  @Override
  public void close() {
    System.setErr(original);
  }
}
