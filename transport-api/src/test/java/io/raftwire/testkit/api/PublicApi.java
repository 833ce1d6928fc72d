package io.raftwire.testkit.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public API of a compiled module, written as sorted text: one block per public type (its
 * declaration, supertypes and every public or protected member, with generic signatures), so two
 * versions of the API can be compared line by line.
 *
 * <p>What counts: public top-level and nested types whose enclosing types are public too, in the
 * packages a predicate accepts, and their public members, plus protected members of types a user
 * can extend. Synthetic and bridge members are left out, and so are annotations and {@code
 * synchronized} (how a method is implemented, not what it promises).
 *
 * <p>Thread safety: stateless; every method may be called from any thread. {@link #check} reads
 * and may write files; it blocks on that IO.
 */
public final class PublicApi {

  /** System property that makes {@link #check} rewrite the API file instead of failing. */
  public static final String UPDATE_PROPERTY = "raftwire.api.update";

  private PublicApi() {}

  /**
   * Lists the public API of the classes under {@code classesDir}.
   *
   * @param classesDir a directory of compiled classes (such as {@code target/classes}); its
   *     classes must be loadable by this class's class loader
   * @param packageInApi says which packages are API (such as {@code p -> !p.contains(".internal")})
   * @return the API as lines, blocks sorted by type name; never empty if the module has API
   * @throws UncheckedIOException if the directory cannot be read
   * @throws IllegalStateException if a class file under it cannot be loaded
   */
  public static List<String> describe(Path classesDir, Predicate<String> packageInApi) {
    TreeMap<String, List<String>> blocks = new TreeMap<>();
    for (String className : classNames(classesDir)) {
      Class<?> type = load(className);
      String pkg = type.getPackageName();
      if (!packageInApi.test(pkg) || !visible(type)) {
        continue;
      }
      blocks.put(type.getName(), describe(type));
    }
    List<String> lines = new ArrayList<>();
    blocks.values().forEach(lines::addAll);
    return lines;
  }

  /**
   * Compares the module's API with {@code apiFile}: fails with the difference if they differ,
   * unless the system property {@value #UPDATE_PROPERTY} is {@code true}, in which case the file
   * is rewritten. Run {@code mvn verify -Draftwire.api.update=true} after an intended API change
   * and commit the file with it.
   *
   * @param classesDir a directory of compiled classes, as for {@link #describe}
   * @param apiFile the checked-in API file of the module
   * @param packageInApi says which packages are API
   * @throws AssertionError if the API differs from the file (or the file is missing)
   * @throws UncheckedIOException if a file cannot be read or written
   */
  public static void check(Path classesDir, Path apiFile, Predicate<String> packageInApi) {
    check(classesDir, apiFile, packageInApi, Boolean.getBoolean(UPDATE_PROPERTY));
  }

  /**
   * As {@link #check(Path, Path, Predicate)}, with the choice to rewrite the file made by the
   * caller rather than by the system property.
   *
   * @param classesDir a directory of compiled classes, as for {@link #describe}
   * @param apiFile the checked-in API file of the module
   * @param packageInApi says which packages are API
   * @param update rewrite {@code apiFile} with the module's API instead of comparing
   * @throws AssertionError if not updating and the API differs from the file (or it is missing)
   * @throws UncheckedIOException if a file cannot be read or written
   */
  public static void check(Path classesDir, Path apiFile, Predicate<String> packageInApi, boolean update) {
    List<String> actual = describe(classesDir, packageInApi);
    if (update) {
      write(apiFile, actual);
      return;
    }
    if (!Files.exists(apiFile)) {
      throw new AssertionError("No API file " + apiFile.toAbsolutePath()
          + ": create it with mvn verify -D" + UPDATE_PROPERTY + "=true and commit it");
    }
    List<String> recorded = read(apiFile);
    if (!recorded.equals(actual)) {
      throw new AssertionError("The public API differs from " + apiFile + " (- recorded, + now):\n"
          + difference(recorded, actual)
          + "If the change is intended, run mvn verify -D" + UPDATE_PROPERTY
          + "=true and commit the file with the change.");
    }
  }

  private static List<String> describe(Class<?> type) {
    List<String> lines = new ArrayList<>();
    lines.add(declaration(type));
    boolean extensible = !Modifier.isFinal(type.getModifiers()) && !type.isEnum() && !type.isRecord()
        && hasExtensibleConstructor(type);
    List<String> members = new ArrayList<>();
    for (Field field : type.getDeclaredFields()) {
      if (shown(field, extensible)) {
        members.add(strip(field.toGenericString(), type));
      }
    }
    for (Constructor<?> constructor : type.getDeclaredConstructors()) {
      if (shown(constructor, extensible)) {
        members.add(constructor.toGenericString());
      }
    }
    for (Method method : type.getDeclaredMethods()) {
      if (!method.isBridge() && shown(method, extensible)) {
        members.add(strip(method.toGenericString(), type).replace("synchronized ", ""));
      }
    }
    members.sort(null);
    members.forEach(m -> lines.add("  " + m));
    lines.add("");
    return lines;
  }

  private static String declaration(Class<?> type) {
    StringBuilder line = new StringBuilder(type.toGenericString());
    Type superclass = type.getGenericSuperclass();
    if (superclass != null && superclass != Object.class && !type.isEnum() && !type.isRecord()) {
      line.append(" extends ").append(superclass.getTypeName());
    }
    Type[] interfaces = type.getGenericInterfaces();
    if (interfaces.length > 0) {
      line.append(type.isInterface() ? " extends " : " implements ")
          .append(Arrays.stream(interfaces).map(Type::getTypeName).collect(Collectors.joining(", ")));
    }
    return line.toString();
  }

  private static boolean hasExtensibleConstructor(Class<?> type) {
    if (type.isInterface()) {
      return true;
    }
    return Arrays.stream(type.getDeclaredConstructors())
        .anyMatch(c -> (c.getModifiers() & (Modifier.PUBLIC | Modifier.PROTECTED)) != 0);
  }

  private static boolean shown(Member member, boolean extensible) {
    if (member.isSynthetic()) {
      return false;
    }
    int modifiers = member.getModifiers();
    return Modifier.isPublic(modifiers) || (extensible && Modifier.isProtected(modifiers));
  }

  /** Drops the declaring type from a member's name: {@code a.B.name(...)} becomes {@code name(...)}. */
  private static String strip(String signature, Class<?> type) {
    String qualifier = type.getName() + ".";
    int paren = signature.indexOf('(');
    int searchEnd = paren < 0 ? signature.length() : paren;
    int at = signature.lastIndexOf(" " + qualifier, searchEnd);
    if (at < 0) {
      return signature;
    }
    return signature.substring(0, at + 1) + signature.substring(at + 1 + qualifier.length());
  }

  private static boolean visible(Class<?> type) {
    for (Class<?> t = type; t != null; t = t.getEnclosingClass()) {
      if (!Modifier.isPublic(t.getModifiers()) || t.isAnonymousClass() || t.isLocalClass()
          || t.isSynthetic()) {
        return false;
      }
    }
    return true;
  }

  private static List<String> classNames(Path classesDir) {
    if (!Files.isDirectory(classesDir)) {
      throw new UncheckedIOException(new IOException("No classes directory " + classesDir.toAbsolutePath()));
    }
    try (Stream<Path> files = Files.walk(classesDir)) {
      return files
          .map(classesDir::relativize)
          .map(Path::toString)
          .filter(name -> name.endsWith(".class"))
          .filter(name -> !name.endsWith("package-info.class") && !name.endsWith("module-info.class"))
          .map(name -> name.substring(0, name.length() - ".class".length())
              .replace(classesDir.getFileSystem().getSeparator(), "."))
          .sorted()
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Class<?> load(String className) {
    try {
      return Class.forName(className, false, PublicApi.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalStateException("Cannot load " + className + " to read its API", e);
    }
  }

  private static List<String> read(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, List<String> lines) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.write(file, lines, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The lines only one side has, in file order, each member shown with its type: enough to see
   * what changed in a failing build.
   */
  private static String difference(List<String> recorded, List<String> actual) {
    List<String> before = qualified(recorded);
    List<String> after = qualified(actual);
    Set<String> beforeSet = new HashSet<>(before);
    Set<String> afterSet = new HashSet<>(after);
    StringBuilder out = new StringBuilder();
    before.stream().filter(l -> !afterSet.contains(l)).forEach(l -> out.append("- ").append(l).append('\n'));
    after.stream().filter(l -> !beforeSet.contains(l)).forEach(l -> out.append("+ ").append(l).append('\n'));
    if (out.length() == 0) {
      out.append("(same lines, different order or blank lines)\n");
    }
    return out.toString();
  }

  private static List<String> qualified(List<String> lines) {
    List<String> out = new ArrayList<>();
    String type = "";
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("  ")) {
        out.add(type + " :: " + line.strip());
      } else {
        type = line;
        out.add(line);
      }
    }
    return out;
  }
}
