import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';

/** What a set-up step returns: the id CloudFormation keeps for the resource, and outputs. */
export interface CustomResourceResult {
  physicalResourceId: string;
  data?: Record<string, string>;
}

/** Options of {@link customResourceHandler}. */
export interface CustomResourceOptions {
  /** Sends the response document; the default PUTs it to the event's pre-signed ResponseURL. */
  send?: (url: string, body: string) => Promise<void>;
  /** Where failures are logged (default: console.error). */
  log?: (message: string, extra: Record<string, unknown>) => void;
}

/**
 * A Lambda-backed CloudFormation custom resource for idempotent post-deploy set-up (DDL, index
 * templates): `apply` runs on Create and Update with the resource's properties; Delete keeps what
 * was set up (it is data, or harmless) and only answers. The handler always answers
 * CloudFormation, SUCCESS or FAILED with the error's message as the reason, and never throws: an
 * unanswered custom resource holds the stack for an hour before it fails.
 *
 * @example
 * export const handler = customResourceHandler(async (props) => {
 *   await migrate(String(props.Workgroup));
 *   return { physicalResourceId: `ddl-${props.Workgroup}` };
 * });
 */
export function customResourceHandler(
  apply: (properties: Record<string, unknown>) => Promise<CustomResourceResult>,
  opts: CustomResourceOptions = {},
): (event: CloudFormationCustomResourceEvent, context: Context) => Promise<void> {
  const send = opts.send ?? putResponse;
  const log =
    opts.log ?? ((message, extra) => console.error(JSON.stringify({ message, ...extra })));
  return async (event, context) => {
    const existingId = 'PhysicalResourceId' in event ? event.PhysicalResourceId : undefined;
    let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
    let reason = `See CloudWatch Logs: ${context.logGroupName} ${context.logStreamName}`;
    let result: CustomResourceResult = {
      physicalResourceId: existingId ?? `${event.LogicalResourceId}-${event.RequestId}`,
    };
    try {
      if (event.RequestType !== 'Delete') {
        const { ServiceToken: _token, ...properties } = event.ResourceProperties;
        result = await apply(properties);
      }
    } catch (error) {
      status = 'FAILED';
      reason = `${error instanceof Error ? error.message : String(error)}`.slice(0, 3_000);
      log('custom resource failed', { requestType: event.RequestType, reason });
    }
    const body = JSON.stringify({
      Status: status,
      Reason: reason,
      PhysicalResourceId: result.physicalResourceId,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      ...(result.data ? { Data: result.data } : {}),
    });
    try {
      await send(event.ResponseURL, body);
    } catch (error) {
      log('custom resource response not delivered', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
}

/**
 * PUTs to the pre-signed S3 URL CloudFormation waits on (an empty Content-Type: the URL is signed
 * without one). Plain http only for a loopback test server.
 */
export function putResponse(url: string, body: string): Promise<void> {
  const request = url.startsWith('http:') ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () =>
          (res.statusCode ?? 500) < 300
            ? resolve()
            : reject(new Error(`response PUT answered ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('response PUT timed out')));
    req.end(body);
  });
}
