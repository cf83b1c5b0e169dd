import { Readable } from 'node:stream';
import { jest } from '@jest/globals';

/** What the fake handler saw of one request. */
export interface Sent {
  method: string;
  hostname: string;
  port?: number;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** One answer: an HTTP response, a thrown error, or no answer until the attempt is aborted. */
export type Reply =
  | { status: number; body?: string; headers?: Record<string, string> }
  | { error: Error }
  | 'hang';

/**
 * A stand-in for the SDK's `NodeHttpHandler`: answers from `replies` in order (the last one
 * repeats) and records every request it was given (headers copied, as signed).
 */
export function fakeHandler(replies: Reply[]) {
  const sent: Sent[] = [];
  const handler = {
    handle: jest.fn(async (request: Sent, opts?: { abortSignal?: AbortSignal }) => {
      sent.push({
        method: request.method,
        hostname: request.hostname,
        ...(request.port === undefined ? {} : { port: request.port }),
        path: request.path,
        headers: { ...request.headers },
        body: request.body,
      });
      const reply = replies[Math.min(sent.length - 1, replies.length - 1)] as Reply;
      if (reply === 'hang') {
        return new Promise<never>((_, reject) => {
          opts?.abortSignal?.addEventListener('abort', () =>
            reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
          );
        });
      }
      if ('error' in reply) throw reply.error;
      return {
        response: {
          statusCode: reply.status,
          headers: reply.headers ?? {},
          body: Readable.from([Buffer.from(reply.body ?? '')]),
        },
      };
    }),
  };
  return { handler, sent };
}
