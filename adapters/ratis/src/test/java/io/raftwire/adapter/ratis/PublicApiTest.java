package io.raftwire.adapter.ratis;

import io.raftwire.testkit.api.PublicApi;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * This module's public API is the one recorded in {@code api/raftwire-adapter-ratis.api}: an API
 * change shows in review as a change to that file ({@code mvn verify -Draftwire.api.update=true}
 * rewrites it).
 */
class PublicApiTest {

  @Test
  void thePublicApiIsTheRecordedOne() {
    PublicApi.check(Path.of("target/classes"), Path.of("api/raftwire-adapter-ratis.api"), p -> true);
  }
}
