/**
 * Why a source (or one part of it) cannot be read, as the page says it: `not-found` (the stage,
 * or this resource of it, does not exist in that region), `denied` (no credentials, or they lack
 * the permission), `unreachable` (stand-ins down, no network, anything else).
 */
export type ProblemReason = 'not-found' | 'denied' | 'unreachable';

/** A part of a source that could not be read, and why. */
export interface SourceProblem {
  readonly reason: ProblemReason;
  readonly message: string;
}

/** A read that failed for a reason the page shows (the windows: the whole page's error state). */
export class SourceUnavailableError extends Error {
  constructor(
    message: string,
    readonly reason: ProblemReason,
  ) {
    super(message);
    this.name = 'SourceUnavailableError';
  }
}

/** AWS error names of a missing resource. */
const NOT_FOUND = new Set(['ResourceNotFoundException', 'ResourceNotFound', 'NotFound']);
/**
 * AWS error names of missing or refused credentials: a missing permission (the JSON and the query
 * protocols spell it differently), an unknown, expired or mis-signed key, no credentials at all.
 */
const DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'CredentialsProviderError',
]);

/**
 * The error of reading `what` (a stream, a table, the metrics), classified for the page. The
 * SDK's message is kept: for a missing permission it names the action and the resource.
 */
export function unavailable(what: string, error: unknown): SourceUnavailableError {
  if (error instanceof SourceUnavailableError) return error;
  const name = (error as { name?: unknown } | null)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata
    ?.httpStatusCode;
  const detail = error instanceof Error ? error.message || error.name : String(error);
  if (typeof name === 'string' && NOT_FOUND.has(name)) {
    return new SourceUnavailableError(`${what} not found`, 'not-found');
  }
  if ((typeof name === 'string' && DENIED.has(name)) || status === 403) {
    return new SourceUnavailableError(`no permission to read ${what}: ${detail}`, 'denied');
  }
  return new SourceUnavailableError(`cannot read ${what}: ${detail}`, 'unreachable');
}

/** The problem of a failed read, for the view that shows it. */
export function problemOf(what: string, error: unknown): SourceProblem {
  const e = unavailable(what, error);
  return { reason: e.reason, message: e.message };
}
