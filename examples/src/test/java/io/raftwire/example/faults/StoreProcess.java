package io.raftwire.example.faults;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One {@code raftwire-kv node} process of a {@link FaultCluster}, run on the test's own classpath
 * and JVM, with its stdout and stderr in files under its log directory (one pair per start). Kill
 * -9, SIGSTOP and SIGCONT go only to the process this object started. Not thread-safe: one test
 * thread drives it.
 */
final class StoreProcess {
  private static final Pattern WARN = Pattern.compile("\\] WARN ");
  private static final Pattern ERROR = Pattern.compile("\\] ERROR ");

  final long id;
  private final List<String> arguments;
  private final Path logs;
  private Process process;
  private int starts;

  StoreProcess(long id, List<String> arguments, Path logs) {
    this.id = id;
    this.arguments = List.copyOf(arguments);
    this.logs = logs;
  }

  /** Starts the process (again, on the same data directory) and waits until it serves clients. */
  void start() throws IOException {
    starts++;
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), "io.raftwire.example.cli.RaftwireKv", "node"));
    command.addAll(arguments);
    Files.createDirectories(logs);
    Path out = logs.resolve("s" + id + "-" + starts + ".out");
    process = new ProcessBuilder(command)
        .redirectOutput(out.toFile())
        .redirectError(logs.resolve("s" + id + "-" + starts + ".err").toFile())
        .start();
    Process started = process;
    await("store " + id + " up").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
      if (!started.isAlive()) {
        throw new IllegalStateException("store " + id + " exited with " + started.exitValue() + ": " + tail());
      }
      return Files.readString(out, StandardCharsets.UTF_8).contains("store " + id + " up");
    });
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** kill -9, and wait until the process is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(60, TimeUnit.SECONDS);
  }

  /** SIGSTOP: the process freezes, as in a long GC pause. */
  void pause() throws IOException, InterruptedException {
    signal("-STOP");
  }

  /** SIGCONT. */
  void resume() throws IOException, InterruptedException {
    signal("-CONT");
  }

  /** SIGTERM (a graceful close), then kill -9 if it has not exited within 60 s. */
  void stop() throws InterruptedException {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      kill();
    }
  }

  /** Makes sure nothing of this store runs any more: SIGCONT (it may be stopped), then kill -9. */
  void destroy() {
    if (process == null || !process.isAlive()) {
      return;
    }
    try {
      resume();
    } catch (IOException | InterruptedException e) {
      // kill it anyway
    }
    process.destroyForcibly();
  }

  private void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", signal, Long.toString(pid())).redirectErrorStream(true).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill " + signal + " " + pid() + " failed");
    }
  }

  /** WARN lines of every start so far. */
  long warnings() {
    return count(WARN);
  }

  /** ERROR lines of every start so far. */
  long errors() {
    return count(ERROR);
  }

  /** The distinct WARN and ERROR messages (time and thread cut off, numbers as N), at most {@code limit}. */
  List<String> distinctProblems(int limit) {
    return lines().filter(l -> WARN.matcher(l).find() || ERROR.matcher(l).find())
        .map(l -> l.substring(l.indexOf("] ") + 2))
        .map(l -> l.replaceAll("\\d+", "N"))
        .map(l -> l.length() > 110 ? l.substring(0, 110) : l)
        .distinct().limit(limit).toList();
  }

  private long count(Pattern pattern) {
    return lines().filter(l -> pattern.matcher(l).find()).count();
  }

  private Stream<String> lines() {
    List<String> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(logs)) {
      for (Path file : files.filter(f -> f.getFileName().toString().startsWith("s" + id + "-")).sorted().toList()) {
        all.addAll(Files.readAllLines(file, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return all.stream();
  }

  private String tail() {
    List<String> all = lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - 20), all.size()));
  }
}
