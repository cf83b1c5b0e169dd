import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;

/**
 * Runs one OpenSearch node in this JVM for streamlens' tests and local pipeline
 * (docs/local-opensearch.md).
 *
 * <p>Arguments are settings, {@code key=value}, added to {@code <path.home>/config/opensearch.yml};
 * {@code path.home} is required. Modules load from {@code <path.home>/modules} as in a
 * distribution.
 *
 * <p>Why not the distribution's own entry point ({@code org.opensearch.bootstrap.OpenSearch}): it
 * refuses to run as root, and CI and fresh machines run everything as root. This launcher builds
 * the node the same way (settings, logging, plugins, start) without the production bootstrap,
 * so there is also no security manager and no native-library step (memory lock, system call
 * filter): nothing a throwaway node on loopback needs.
 *
 * <p>The node stops (closing its indices cleanly) on SIGTERM/SIGINT and when standard input
 * reaches its end, which happens when the parent process dies, however it dies.
 */
public final class LocalNode {
  private LocalNode() {}

  public static void main(String[] args) throws Exception {
    Settings.Builder given = Settings.builder();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("expected key=value, got [" + arg + "]");
      }
      given.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    Settings input = given.build();
    String home = input.get("path.home");
    if (home == null) {
      throw new IllegalArgumentException("path.home=<folder> is required");
    }
    Path config = Path.of(home).resolve("config");

    LogConfigurator.registerErrorListener();
    Environment env =
        InternalSettingsPreparer.prepareEnvironment(input, Map.of(), config, () -> "local");
    LogConfigurator.setNodeName(Node.NODE_NAME_SETTING.get(env.settings()));
    LogConfigurator.configure(env);
    // The ports file goes there; the distribution's bootstrap creates it, this launcher must.
    Files.createDirectories(env.logsFile());

    Node node = new Node(env);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    node.close();
                    node.awaitClose(10, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    e.printStackTrace();
                  }
                },
                "local-node-shutdown"));
    node.start();

    while (System.in.read() != -1) {
      // Nothing is read from the parent; end of input means it is gone.
    }
    System.exit(0);
  }
}
