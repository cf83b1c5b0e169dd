import java.io.PrintStream;

/**
 * Runs one Apache Kafka broker in KRaft combined mode (broker and controller in one process) for
 * streamlens' tests and local pipeline (docs/kafka.md).
 *
 * <p>Arguments: {@code <server.properties> <cluster id>}. It formats the storage named by the
 * properties' {@code log.dirs} as a standalone controller quorum, then starts the server in the
 * same JVM (one JVM start instead of two, the slow part on a busy two-core machine).
 *
 * <p>The broker stops (Kafka's own shutdown hook closes its logs) on SIGTERM/SIGINT and when
 * standard input reaches its end, which happens when the parent process dies, however it dies.
 */
public final class LocalBroker {
  private LocalBroker() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: LocalBroker <server.properties> <cluster id>");
    }
    String properties = args[0];
    PrintStream out = System.err;
    int formatted =
        kafka.tools.StorageTool.execute(
            new String[] {"format", "-t", args[1], "-c", properties, "--standalone"}, out);
    if (formatted != 0) {
      out.println("LocalBroker: formatting the storage failed (" + formatted + ")");
      System.exit(1);
    }
    Thread server = new Thread(() -> kafka.Kafka.main(new String[] {properties}), "kafka-main");
    server.start();
    while (System.in.read() != -1) {
      // Nothing is read from the parent; end of input means it is gone.
    }
    System.exit(0);
  }
}
