package io.raftwire.example.link;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The link proxy's modes, against an echo server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LinkProxyTest {
  private ServerSocket echo;
  private LinkProxy proxy;

  @BeforeEach
  void startEcho() throws IOException {
    echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(() -> {
      while (true) {
        try {
          Socket s = echo.accept();
          Thread t = new Thread(() -> {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
              in.transferTo(out);
            } catch (IOException e) {
              // the test closed it
            }
          });
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
    proxy = new LinkProxy("test", (InetSocketAddress) echo.getLocalSocketAddress());
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
    echo.close();
  }

  @Test
  void passesDelaysBlocksAndDrops() throws Exception {
    try (Socket s = connect()) {
      assertEquals('a', roundTrip(s, 'a'), "pass");

      proxy.delay(100, 0);
      long before = System.nanoTime();
      assertEquals('b', roundTrip(s, 'b'));
      assertTrue(System.nanoTime() - before >= TimeUnit.MILLISECONDS.toNanos(200), "delayed both ways");
      proxy.delay(0, 0);

      proxy.mode(LinkProxy.Mode.BLOCK);
      s.getOutputStream().write('c');
      CompletableFuture<Integer> answer = CompletableFuture.supplyAsync(() -> {
        try {
          return s.getInputStream().read();
        } catch (IOException e) {
          return -2;
        }
      });
      await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> true);
      assertTrue(!answer.isDone(), "blocked: nothing comes back");
      proxy.mode(LinkProxy.Mode.PASS);
      assertEquals('c', answer.get(10, TimeUnit.SECONDS), "unblocked: the bytes flow on, nothing lost");

      proxy.mode(LinkProxy.Mode.DROP);
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        try {
          s.getOutputStream().write('d');
          return s.getInputStream().read() < 0;
        } catch (IOException e) {
          return true;
        }
      });
    }
    assertThrows(IOException.class, () -> {
      try (Socket refused = connect()) {
        refused.getOutputStream().write('e');
        if (refused.getInputStream().read() < 0) {
          throw new IOException("closed");
        }
      }
    }, "a dropped link resets new connections too");
    proxy.mode(LinkProxy.Mode.PASS);
    try (Socket healed = connect()) {
      assertEquals('f', roundTrip(healed, 'f'), "healed");
    }
  }

  private Socket connect() throws IOException {
    Socket s = new Socket();
    s.connect(proxy.address(), 5000);
    s.setSoTimeout(10_000);
    return s;
  }

  private static int roundTrip(Socket s, char c) throws IOException {
    s.getOutputStream().write(c);
    return s.getInputStream().read();
  }
}
