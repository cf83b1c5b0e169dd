import { MissingCredentialsError } from './errors.js';

/*
 * Stands in for `@aws-sdk/credential-provider-node` in the deployed bundles (an esbuild `alias` in
 * config/serverless-common.yml). The SDK's default chain (environment, SSO, INI profiles, web
 * identity, process, ECS and EC2 metadata) brings the STS, SSO, SSO-OIDC and sign-in clients with
 * it: ~90 KiB minified and their load time in every cold start, for links that never run on
 * Lambda, where the runtime always puts the function role's credentials in the environment
 * (`serverless invoke local` does too). Tests and scripts run from source and keep the SDK's chain.
 */

/** Credentials as the SDK's identity providers return them. */
export interface EnvCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
  readonly accountId?: string;
}

/**
 * Reads the credentials Lambda provides (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`; `AWS_CREDENTIAL_EXPIRATION` and `AWS_ACCOUNT_ID` when set, as the SDK's
 * environment provider does). Throws `MissingCredentialsError` naming the variables otherwise.
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): EnvCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new MissingCredentialsError(
      'No AWS credentials: this bundle reads only AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ' +
        '(and AWS_SESSION_TOKEN), which Lambda sets (and `serverless invoke local` when it finds credentials). Profiles, SSO ' +
        'and instance metadata are left out of deployed bundles (config/serverless-common.yml, ' +
        'esbuild alias); run from source to use them.',
    );
  }
  const sessionToken = env.AWS_SESSION_TOKEN;
  const expiry = env.AWS_CREDENTIAL_EXPIRATION;
  const accountId = env.AWS_ACCOUNT_ID;
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken ? { sessionToken } : {}),
    ...(expiry ? { expiration: new Date(expiry) } : {}),
    ...(accountId ? { accountId } : {}),
  };
}

/**
 * The `defaultProvider` export every AWS SDK client's runtime config imports from
 * `@aws-sdk/credential-provider-node` (same call shape: options in, provider out). Each call of the
 * provider reads the environment again, so it never caches a stale value; the SDK memoises it.
 *
 * @example new KinesisClient({ credentialDefaultProvider: defaultProvider }) // what the alias does
 */
export function defaultProvider(_init?: unknown): () => Promise<EnvCredentials> {
  return async () => credentialsFromEnv();
}
