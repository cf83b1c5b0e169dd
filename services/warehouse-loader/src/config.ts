import { ConfigError, envBool, envInt, envString } from '@streamlens/lambda-kit';
import type { LoaderConfig } from './loader.js';

/** Loader configuration from the environment (fails fast at cold start; README: config). */
export function loadConfig(): LoaderConfig & { deadlineSafetyMs: number; copyRoleName: string } {
  const workgroupName = envString('WAREHOUSE_WORKGROUP', '');
  const clusterIdentifier = envString('WAREHOUSE_CLUSTER_ID', '');
  if (!workgroupName && !clusterIdentifier) {
    throw new ConfigError(
      'WAREHOUSE_WORKGROUP',
      'set WAREHOUSE_WORKGROUP (Redshift Serverless) or WAREHOUSE_CLUSTER_ID',
    );
  }
  const dbUser = envString('WAREHOUSE_DB_USER', '');
  const copyRoleArn = envString('COPY_ROLE_ARN', '');
  const copyRoleName = envString('COPY_ROLE_NAME', '');
  if (!copyRoleArn && !copyRoleName) {
    throw new ConfigError(
      'COPY_ROLE_NAME',
      'COPY_ROLE_NAME or COPY_ROLE_ARN is required (the role COPY assumes to read the lake)',
    );
  }
  return {
    warehouse: {
      database: envString('WAREHOUSE_DATABASE', 'dev'),
      ...(workgroupName ? { workgroupName } : {}),
      ...(clusterIdentifier ? { clusterIdentifier } : {}),
      ...(dbUser ? { dbUser } : {}),
    },
    copyRoleArn,
    copyRoleName,
    tables: {
      events: envString('EVENTS_TABLE', 'events'),
      windows: envString('WINDOWS_TABLE', 'metrics_windows'),
      ledger: envString('LEDGER_TABLE', 'streamlens_loads'),
    },
    prefixes: {
      events: envString('EVENTS_PREFIX', 'events/'),
      windows: envString('WINDOWS_PREFIX', 'aggregates/'),
    },
    gzip: { events: envBool('EVENTS_GZIP', true), windows: envBool('WINDOWS_GZIP', false) },
    pollInitialDelayMs: envInt('POLL_INITIAL_DELAY_MS', 100, { min: 10, max: 10_000 }),
    pollMaxDelayMs: envInt('POLL_MAX_DELAY_MS', 2_000, { min: 10, max: 60_000 }),
    deadlineSafetyMs: envInt('DEADLINE_SAFETY_MS', 5_000, { min: 0, max: 60_000 }),
  };
}

/**
 * The COPY role's ARN from its name and the function's own ARN (same account and partition): a
 * literal name in serverless.yml keeps `invoke local` working, where a GetAtt cannot resolve.
 */
export function copyRoleArnFor(roleName: string, invokedFunctionArn: string | undefined): string {
  // `serverless invoke local` gives no function ARN: a placeholder account is right offline.
  const [, partition = 'aws', , , account = '000000000000'] = (invokedFunctionArn ?? '').split(':');
  return `arn:${partition}:iam::${account}:role/${roleName}`;
}
