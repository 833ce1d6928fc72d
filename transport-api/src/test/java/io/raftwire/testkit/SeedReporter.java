package io.raftwire.testkit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JUnit 5 extension that names the fault seeds of the {@link InMemoryNetwork}s a failing test
 * created, so the failure can be reproduced with {@code -Draftwire.seed=N}. Register it with
 * {@code @ExtendWith(SeedReporter.class)}.
 *
 * <p>The seed is attached to the failure as a suppressed exception (surefire prints it under the
 * failure) and logged at error level. Assumes tests of one JVM run one at a time, which is JUnit's
 * default.
 */
public final class SeedReporter implements BeforeEachCallback, TestExecutionExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(SeedReporter.class);
  private static final List<Long> seeds = new CopyOnWriteArrayList<>();

  static void record(long seed) {
    seeds.add(seed);
  }

  /** The seeds of networks created since the current test started. */
  public static List<Long> seedsOfCurrentTest() {
    return List.copyOf(seeds);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    seeds.clear();
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    if (!seeds.isEmpty()) {
      String list = seeds.stream().map(String::valueOf).collect(Collectors.joining(", "));
      String note =
          context.getDisplayName() + " failed with fault seed(s) " + list
              + "; rerun with -D" + InMemoryNetwork.SEED_PROPERTY + "=" + seeds.get(0);
      log.error(note);
      failure.addSuppressed(new SeedNote(note));
    }
    throw failure;
  }

  /** Carries the seed note in a failure report. */
  static final class SeedNote extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SeedNote(String message) {
      super(message, null, false, false);
    }
  }
}
