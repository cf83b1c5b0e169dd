// `lib/aws/shared.js` of @opensearch-project/opensearch ships no declarations: the factory that its
// `aws-v3` entry calls to build `AwsSigv4Signer` (see client.ts for why it is used directly).
declare module '@opensearch-project/opensearch/lib/aws/shared.js' {
  import type {
    AwsSigv4SignerOptions,
    AwsSigv4SignerResponse,
  } from '@opensearch-project/opensearch/aws-v3';
  export function giveAwsV4Signer(
    defaultCredentials: () => Promise<unknown>,
  ): (opts: AwsSigv4SignerOptions) => AwsSigv4SignerResponse;
}
