// Types of what the integration global setup provides to test workers (`inject('localAwsEnv')`).
// Root typecheck includes this file; a package's own tsconfig can reference it with
// `/// <reference path="../../../../tests/setup/provided-context.d.ts" />`.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** AWS_ENDPOINT_URL_*, OPENSEARCH_ENDPOINT, AWS_REGION and dummy credentials of the stand-ins. */
    localAwsEnv: Record<string, string>;
  }
}
