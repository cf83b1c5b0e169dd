import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the server received it. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What the server answers: status, content type, body (default 200 JSON `{}`). */
export type Responder = (req: RecordedRequest) => {
  status?: number;
  contentType?: string;
  body?: string;
};

/**
 * An HTTP server on 127.0.0.1 that records every request (method, URL, headers, body) and answers
 * with `respond`: stands in for a remote endpoint whose requests a test inspects.
 */
export async function recordingServer(respond: Responder = () => ({})) {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      const answer = respond(recorded);
      res.writeHead(answer.status ?? 200, {
        'content-type': answer.contentType ?? 'application/json',
      });
      res.end(answer.body ?? '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
