package io.raftwire.example.admin;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * One live setting: a stable dotted name, its unit, what it bounds, its default, how to read its
 * current value and how to apply a new one. Immutable; {@link #apply} is called under {@link
 * NodeSettings}' lock, so two changes never interleave.
 *
 * @param name dotted, lower case, for example {@code sender.append_lane_bytes}
 * @param unit {@code bytes}, {@code messages}, {@code share} (0 to 1) or {@code boolean}
 * @param description what the setting bounds, one line
 * @param defaultValue the value a store starts with unless configured otherwise
 * @param current reads the value in force
 * @param apply parses, validates and applies a new value; throws {@link IllegalArgumentException}
 *     naming the problem when the value is not acceptable, leaving the old one in force
 */
public record Setting(String name, String unit, String description, String defaultValue, Supplier<String> current,
    Consumer<String> apply) {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+");

  /** Validates the fields. */
  public Setting {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("a setting's name is dotted lower case, was " + name);
    }
    Objects.requireNonNull(unit, "unit");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(defaultValue, "defaultValue");
    Objects.requireNonNull(current, "current");
    Objects.requireNonNull(apply, "apply");
  }

  /** A whole number of {@code unit} (bytes, messages), applied by {@code apply}. */
  static Setting ofLong(String name, String unit, String description, long defaultValue, Supplier<Long> current,
      Consumer<Long> apply) {
    return new Setting(name, unit, description, Long.toString(defaultValue), () -> Long.toString(current.get()),
        text -> apply.accept(parseLong(name, text)));
  }

  /** A share between 0 and 1, applied by {@code apply}. */
  static Setting ofShare(String name, String description, double defaultValue, Supplier<Double> current,
      Consumer<Double> apply) {
    return new Setting(name, "share", description, Double.toString(defaultValue),
        () -> Double.toString(current.get()), text -> apply.accept(parseDouble(name, text)));
  }

  /** {@code true} or {@code false}, applied by {@code apply}. */
  static Setting ofBoolean(String name, String description, boolean defaultValue, Supplier<Boolean> current,
      Consumer<Boolean> apply) {
    return new Setting(name, "boolean", description, Boolean.toString(defaultValue),
        () -> Boolean.toString(current.get()), text -> {
          String t = text.strip();
          if (!t.equals("true") && !t.equals("false")) {
            throw new IllegalArgumentException(name + " is true or false, was '" + text + "'");
          }
          apply.accept(Boolean.parseBoolean(t));
        });
  }

  private static long parseLong(String name, String text) {
    String t = text.strip().replace("_", "");
    long scale = 1;
    if (t.endsWith("KiB")) {
      scale = 1024;
    } else if (t.endsWith("MiB")) {
      scale = 1024 * 1024;
    } else if (t.endsWith("GiB")) {
      scale = 1024L * 1024 * 1024;
    }
    if (scale > 1) {
      t = t.substring(0, t.length() - 3);
    }
    try {
      return Math.multiplyExact(Long.parseLong(t), scale);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(name + " is a whole number (KiB, MiB, GiB suffixes allowed), was '" + text + "'");
    }
  }

  private static double parseDouble(String name, String text) {
    try {
      return Double.parseDouble(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " is a number, was '" + text + "'");
    }
  }
}
