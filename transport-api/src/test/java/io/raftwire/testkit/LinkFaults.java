package io.raftwire.testkit;

import io.raftwire.message.TrafficClass;
import io.raftwire.topology.StoreId;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The faults of an {@link InMemoryNetwork}'s links, changeable at any time from any thread. A link
 * is one direction between two stores; a spec can apply to all its traffic or to one traffic class
 * (a class-specific spec wins over the link-wide one).
 */
public final class LinkFaults {
  private final Map<Rule, FaultSpec> specs = new ConcurrentHashMap<>();
  private final Set<Link> partitioned = ConcurrentHashMap.newKeySet();

  LinkFaults() {}

  /** Applies {@code spec} to all traffic from {@code from} to {@code to}. */
  public LinkFaults set(StoreId from, StoreId to, FaultSpec spec) {
    return put(new Rule(new Link(from, to), null), spec);
  }

  /** Applies {@code spec} to traffic of {@code trafficClass} from {@code from} to {@code to}. */
  public LinkFaults set(StoreId from, StoreId to, TrafficClass trafficClass, FaultSpec spec) {
    return put(new Rule(new Link(from, to), Objects.requireNonNull(trafficClass)), spec);
  }

  /** Cuts both directions between {@code a} and {@code b}. */
  public LinkFaults partition(StoreId a, StoreId b) {
    partitioned.add(new Link(a, b));
    partitioned.add(new Link(b, a));
    return this;
  }

  /** Cuts the direction {@code from} to {@code to} only; replies still flow. */
  public LinkFaults partitionOneWay(StoreId from, StoreId to) {
    partitioned.add(new Link(from, to));
    return this;
  }

  /** Ends partitions between {@code a} and {@code b}, both directions. Specs stay. */
  public LinkFaults heal(StoreId a, StoreId b) {
    partitioned.remove(new Link(a, b));
    partitioned.remove(new Link(b, a));
    return this;
  }

  /** Ends every partition and removes every spec: all links healthy. */
  public LinkFaults healAll() {
    partitioned.clear();
    specs.clear();
    return this;
  }

  /** True if messages from {@code from} to {@code to} are cut. */
  public boolean isPartitioned(StoreId from, StoreId to) {
    return partitioned.contains(new Link(from, to));
  }

  FaultSpec specFor(StoreId from, StoreId to, TrafficClass trafficClass) {
    Link link = new Link(from, to);
    FaultSpec spec = specs.get(new Rule(link, trafficClass));
    if (spec == null) {
      spec = specs.get(new Rule(link, null));
    }
    return spec == null ? FaultSpec.NONE : spec;
  }

  private LinkFaults put(Rule rule, FaultSpec spec) {
    specs.put(rule, Objects.requireNonNull(spec, "spec"));
    return this;
  }

  private static final class Link {
    final StoreId from;
    final StoreId to;

    Link(StoreId from, StoreId to) {
      this.from = Objects.requireNonNull(from, "from");
      this.to = Objects.requireNonNull(to, "to");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Link && ((Link) o).from.equals(from) && ((Link) o).to.equals(to);
    }

    @Override
    public int hashCode() {
      return from.hashCode() * 31 + to.hashCode();
    }
  }

  private static final class Rule {
    final Link link;
    final TrafficClass trafficClass; // null: every class

    Rule(Link link, TrafficClass trafficClass) {
      this.link = link;
      this.trafficClass = trafficClass;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Rule
          && ((Rule) o).link.equals(link)
          && ((Rule) o).trafficClass == trafficClass;
    }

    @Override
    public int hashCode() {
      return link.hashCode() * 31 + Objects.hashCode(trafficClass);
    }
  }
}
