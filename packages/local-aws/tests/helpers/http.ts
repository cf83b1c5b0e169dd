import { request } from 'node:http';

/** What a raw HTTP request to a stand-in got back. */
export interface RawResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * Send a request to `endpoint` (a loopback URL) with exactly these headers, as a browser or another
 * client would: Node's `fetch` does not let a caller set `Host`, `http.request` does.
 */
export function rawRequest(
  endpoint: string,
  options: {
    readonly method?: string;
    readonly path?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
  } = {},
): Promise<RawResponse> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'POST',
        path: options.path ?? '/',
        headers: options.headers ?? {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body ?? '');
  });
}

/** The headers a web page's cross-origin form POST carries (no CORS preflight needed for it). */
export const BROWSER_FORM_POST = {
  origin: 'https://attacker.example',
  'sec-fetch-site': 'cross-site',
  'content-type': 'application/x-www-form-urlencoded',
} as const;
