import java.io.*;
import java.lang.reflect.*;
import java.net.*;
import java.nio.file.*;
import java.util.*;
import java.util.jar.*;

/**
 * Prints the configuration keys declared by Flink's option classes: every static ConfigOption field (its key,
 * fallback and deprecated keys) of every class in the scanned jars, plus the key constants of ConfigConstants.
 * Usage: java ExtractFlinkKeys.java <scan-jars, ':'-separated> <classpath jars, ':'-separated>
 * Output: one "key<TAB>class" line per key on stdout; classes that cannot be loaded are counted on stderr.
 */
public class ExtractFlinkKeys {
  public static void main(String[] args) throws Exception {
    List<Path> scan = paths(args[0]);
    List<URL> urls = new ArrayList<>();
    for (Path p : scan) urls.add(p.toUri().toURL());
    if (args.length > 1) for (Path p : paths(args[1])) urls.add(p.toUri().toURL());
    URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
    Class<?> optionClass = loader.loadClass("org.apache.flink.configuration.ConfigOption");
    TreeMap<String, String> keys = new TreeMap<>();
    int failed = 0;
    for (Path jar : scan) {
      try (JarFile jf = new JarFile(jar.toFile())) {
        for (JarEntry e : Collections.list(jf.entries())) {
          String n = e.getName();
          if (!n.endsWith(".class") || n.contains("META-INF") || n.startsWith("org/apache/flink/shaded")) continue;
          String cls = n.substring(0, n.length() - 6).replace('/', '.');
          if (!n.startsWith("org/apache/flink/")) continue;
          Field[] fields;
          try {
            fields = Class.forName(cls, false, loader).getDeclaredFields();
          } catch (Throwable t) {
            continue;
          }
          boolean constants = cls.equals("org.apache.flink.configuration.ConfigConstants");
          for (Field f : fields) {
            if (!Modifier.isStatic(f.getModifiers())) continue;
            try {
              if (optionClass.isAssignableFrom(f.getType())) {
                f.setAccessible(true);
                Object option = f.get(null);
                if (option == null) continue;
                keys.putIfAbsent((String) optionClass.getMethod("key").invoke(option), cls);
                for (String k : otherKeys(optionClass, option)) keys.putIfAbsent(k, cls + " (deprecated)");
              } else if (constants && f.getType() == String.class && !f.getName().startsWith("DEFAULT")) {
                f.setAccessible(true);
                String v = (String) f.get(null);
                if (v != null && v.matches("[a-z][a-z0-9-]*(\\.[a-zA-Z0-9_-]+)+") && !v.startsWith("org.") && !v.startsWith("com.")) {
                  keys.putIfAbsent(v, cls + " (constant)");
                }
              }
            } catch (Throwable t) {
              failed++;
              System.err.println("cannot read " + cls + "." + f.getName() + ": " + t);
            }
          }
        }
      }
    }
    for (Map.Entry<String, String> e : keys.entrySet()) System.out.println(e.getKey() + "\t" + e.getValue());
    System.err.println(keys.size() + " keys, " + failed + " unreadable fields");
  }

  /** fallbackKeys() (1.10+) or deprecatedKeys() (before), whichever the version has. */
  static List<String> otherKeys(Class<?> optionClass, Object option) throws Exception {
    List<String> out = new ArrayList<>();
    Method m;
    try {
      m = optionClass.getMethod("fallbackKeys");
    } catch (NoSuchMethodException e) {
      m = optionClass.getMethod("deprecatedKeys");
    }
    Object keys = m.invoke(option);
    Iterable<?> all = keys instanceof Object[] ? Arrays.asList((Object[]) keys) : (Iterable<?>) keys;
    for (Object k : all) {
      out.add(k instanceof String ? (String) k : (String) k.getClass().getMethod("getKey").invoke(k));
    }
    return out;
  }

  static List<Path> paths(String list) {
    List<Path> out = new ArrayList<>();
    for (String s : list.split(":")) if (!s.isEmpty()) out.add(Paths.get(s));
    return out;
  }
}
