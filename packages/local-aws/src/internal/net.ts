import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';

const guard = createRequire(import.meta.url)('./loopback-guard.cjs') as {
  browserRequestRejection(headers: IncomingHttpHeaders): string | undefined;
  guardRequests<T extends import('node:http').Server>(server: T): T;
  isLoopbackHost(host: string | undefined): boolean;
};

/**
 * Why a request to a stand-in is refused (a browser's or a non-loopback `Host`), or undefined
 * (see loopback-guard.cjs for the rule and why).
 */
export const browserRequestRejection = guard.browserRequestRejection;
/** Whether a `Host` value (name or address, with or without port) can only mean this machine. */
export const isLoopbackHost = guard.isLoopbackHost;
/** Put {@link browserRequestRejection} in front of an HTTP server's request listeners. */
export const guardRequests = guard.guardRequests;

/** Ask the kernel for a free TCP port on 127.0.0.1 (for programs that cannot listen on port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

/**
 * Listen on an ephemeral port of 127.0.0.1 and return the base URL. HTTP servers first get the
 * loopback guard: browser-originated requests and non-loopback `Host` names are refused (403).
 */
export async function listenEphemeral(
  server: Server | import('node:http').Server,
): Promise<string> {
  if ('closeAllConnections' in server) guardRequests(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port assigned');
  return `http://127.0.0.1:${address.port}`;
}

/** Close an HTTP server, dropping idle keep-alive sockets so close does not wait on clients. */
export async function closeHttpServer(server: import('node:http').Server): Promise<void> {
  if (!server.listening) return;
  await new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
