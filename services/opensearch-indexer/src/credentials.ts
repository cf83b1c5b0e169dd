import { CredentialsError } from './errors.js';

/** AWS credentials as the AWS SDK v3 providers return them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Resolves credentials (cached by the provider itself). */
export type CredentialsProvider = () => Promise<AwsCredentials>;

/**
 * The credentials of the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`): on Lambda, the runtime always puts the function role's credentials there
 * (and `serverless invoke local` puts yours), so the handler needs none of the SDK's chain
 * (SSO, STS, INI files, IMDS), which would only add to the bundle. Read on each call: cheap.
 */
export function envCredentials(env: NodeJS.ProcessEnv = process.env): CredentialsProvider {
  return async () => {
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey)
      throw new CredentialsError(
        'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: no credentials to sign with',
      );
    const sessionToken = env.AWS_SESSION_TOKEN || undefined;
    return sessionToken
      ? { accessKeyId, secretAccessKey, sessionToken }
      : { accessKeyId, secretAccessKey };
  };
}

/**
 * The AWS SDK's Node provider chain (scripts run by people: profiles, SSO, ...), imported on the first signed request, so that an unsigned
 * client (the local stand-ins) loads none of it.
 */
export function lazyDefaultCredentials(): CredentialsProvider {
  let provider: Promise<CredentialsProvider> | undefined;
  return async () => {
    provider ??= import('@aws-sdk/credential-provider-node')
      .then((m) => m.defaultProvider())
      .catch((error: unknown) => {
        provider = undefined;
        throw error;
      });
    return (await provider)();
  };
}
