// Starts DynamoDB Local bound to 127.0.0.1, behind the loopback guard.
//
// DynamoDB Local 1.25 has no bind-address option: its ServerRunner hands Jetty only a port, and Jetty
// then listens on every interface. This launcher builds the same server through DynamoDB Local's own
// ServerRunner.createServerFromCommandLineArgs (so every command-line option keeps its meaning), sets
// the host of Jetty's connector to 127.0.0.1 before the server starts, and wraps its handler in the
// rule of src/internal/loopback-guard.cjs (browser-originated requests and non-loopback Host names get
// 403). Run in Java's source-file mode (`java -cp DynamoDBLocal.jar LoopbackDynamoDbLocal.java ...`):
// nothing is compiled ahead of time and nothing binary is kept in the repository.
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.util.Locale;
import java.util.regex.Pattern;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.HandlerWrapper;

public final class LoopbackDynamoDbLocal {
  private LoopbackDynamoDbLocal() {}

  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector");
    for (Connector connector : connectors) {
      if (!(connector instanceof ServerConnector)) {
        throw new IllegalStateException("unexpected connector " + connector.getClass().getName());
      }
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    LoopbackGuard guard = new LoopbackGuard();
    guard.setHandler(server.getHandler());
    server.setHandler(guard);
    proxy.start();
  }
}

/** The rule of src/internal/loopback-guard.cjs, for Jetty. */
final class LoopbackGuard extends HandlerWrapper {
  private static final Pattern IPV4_LOOPBACK = Pattern.compile("^127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}$");

  static boolean isLoopbackHost(String host) {
    if (host == null || host.isEmpty()) return false;
    String name = host.toLowerCase(Locale.ROOT);
    if (name.startsWith("[")) {
      int end = name.indexOf(']');
      if (end < 0) return false;
      name = name.substring(1, end);
    } else {
      int colon = name.lastIndexOf(':');
      if (colon >= 0) name = name.substring(0, colon);
    }
    return name.equals("localhost")
        || name.endsWith(".localhost")
        || name.equals("::1")
        || IPV4_LOOPBACK.matcher(name).matches();
  }

  static String rejection(String origin, String fetchSite, String host) {
    if (origin != null) return "browser request from origin " + origin;
    if (fetchSite != null && !fetchSite.equals("none")) {
      return "browser request (Sec-Fetch-Site: " + fetchSite + ")";
    }
    if (!isLoopbackHost(host)) return "Host " + (host == null ? "(none)" : host) + " is not a loopback name";
    return null;
  }

  @Override
  public void handle(
      String target, Request base, HttpServletRequest request, HttpServletResponse response)
      throws IOException, ServletException {
    String reason =
        rejection(request.getHeader("Origin"), request.getHeader("Sec-Fetch-Site"), request.getHeader("Host"));
    if (reason == null) {
      super.handle(target, base, request, response);
      return;
    }
    base.setHandled(true);
    response.setStatus(403);
    response.setContentType("text/plain; charset=utf-8");
    response.getWriter()
        .write("Forbidden: " + reason + ". Local stand-ins answer only programs on this machine.\n");
  }
}
