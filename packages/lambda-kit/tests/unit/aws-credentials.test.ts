import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from '@jest/globals';
import { credentialsFromEnv, defaultProvider } from '../../src/aws-credentials.js';
import { MissingCredentialsError } from '../../src/errors.js';
import { restoreEnv, stubEnv } from '../../src/testing.js';

describe('credentialsFromEnv', () => {
  it('reads the variables Lambda sets', () => {
    // Act
    const credentials = credentialsFromEnv({
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    });
    // Assess
    expect(credentials).toEqual({
      accessKeyId: 'AKID',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    });
  });

  it('passes on an expiration and an account id when set', () => {
    // Act
    const credentials = credentialsFromEnv({
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_CREDENTIAL_EXPIRATION: '2026-11-26T00:00:00Z',
      AWS_ACCOUNT_ID: '123456789012',
    });
    // Assess
    expect(credentials.expiration?.toISOString()).toBe('2026-11-26T00:00:00.000Z');
    expect(credentials.accountId).toBe('123456789012');
    expect(credentials.sessionToken).toBeUndefined();
  });

  it.each([
    [{ AWS_SECRET_ACCESS_KEY: 'secret' }],
    [{ AWS_ACCESS_KEY_ID: 'AKID' }],
    [{ AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: 'secret' }],
    [{ AWS_PROFILE: 'dev' }],
  ])('fails with a clear error without both keys (%o)', (env) => {
    // Act / Assess
    expect(() => credentialsFromEnv(env)).toThrow(MissingCredentialsError);
    expect(() => credentialsFromEnv(env)).toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });
});

describe('defaultProvider', () => {
  afterEach(() => {
    restoreEnv();
  });

  it('reads the environment at each call, not when built', async () => {
    // Prepare
    stubEnv('AWS_ACCESS_KEY_ID', 'first');
    stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    const provider = defaultProvider({});
    stubEnv('AWS_ACCESS_KEY_ID', 'second');
    // Act
    const credentials = await provider();
    // Assess
    expect(credentials.accessKeyId).toBe('second');
  });

  it('rejects (does not throw synchronously) when the variables are missing', async () => {
    // Prepare
    stubEnv('AWS_ACCESS_KEY_ID', '');
    const provider = defaultProvider();
    // Act / Assess
    await expect(provider()).rejects.toBeInstanceOf(MissingCredentialsError);
  });

  it('plugs into an SDK client as its credentialDefaultProvider, as the bundle alias does', async () => {
    // Prepare: the request fails at signing, before any connection is attempted
    stubEnv('AWS_ACCESS_KEY_ID', '');
    stubEnv('AWS_SECRET_ACCESS_KEY', '');
    const client = new KinesisClient({
      region: 'us-east-1',
      credentialDefaultProvider: defaultProvider,
      endpoint: 'http://127.0.0.1:9',
      maxAttempts: 1,
    });
    // Act / Assess
    await expect(client.send(new ListStreamsCommand({}))).rejects.toBeInstanceOf(
      MissingCredentialsError,
    );
    // Prepare: with credentials, the client's own credential provider resolves them
    stubEnv('AWS_ACCESS_KEY_ID', 'AKID');
    stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    const signed = new KinesisClient({
      region: 'us-east-1',
      credentialDefaultProvider: defaultProvider,
      endpoint: 'http://127.0.0.1:9',
      maxAttempts: 1,
    });
    const resolved = await signed.config.credentials();
    // Assess
    expect(resolved).toMatchObject({ accessKeyId: 'AKID', secretAccessKey: 'secret' });
    client.destroy();
    signed.destroy();
  });
});
