import type { StandInPlugin } from '../types.js';
import { startPostgres } from './postgres.js';
import { startRedshiftDataServer } from './server.js';

export { type PostgresServer, STATEMENT_ROLE, startPostgres } from './postgres.js';
export {
  injectRedshiftFault,
  type RedshiftDataServer,
  type RedshiftFault,
  startRedshiftDataServer,
} from './server.js';
export {
  type CopyPlan,
  NON_S3_COPY_ERROR,
  planStatement,
  type SqlPlan,
  type StatementPlan,
  TranslationError,
} from './translate.js';

/**
 * Redshift Data API: an HTTP server speaking the awsJson1_1 protocol of
 * @aws-sdk/client-redshift-data, executing asynchronously on a private PostgreSQL 15 server as an
 * unprivileged role; COPY from S3 reads the S3 stand-in.
 */
export const redshiftPlugin: StandInPlugin = {
  name: 'redshift',
  dependsOn: ['s3'],
  async start(ctx) {
    const postgres = await startPostgres();
    let server: Awaited<ReturnType<typeof startRedshiftDataServer>>;
    try {
      server = await startRedshiftDataServer({
        pgPort: postgres.port,
        adminSocketDir: postgres.adminSocketDir,
        statementUser: postgres.statementUser,
        s3Env: ctx.env,
        log: (message) => ctx.log(message),
      });
    } catch (error) {
      await postgres.stop();
      throw error;
    }
    let stopped = false;
    return {
      endpoint: server.endpoint,
      env: {
        AWS_ENDPOINT_URL_REDSHIFT_DATA: server.endpoint,
        // The statement role's own way in (unprivileged, like every statement of the Data API).
        STREAMLENS_REDSHIFT_PG_URL: `postgres://${postgres.statementUser.user}:${postgres.statementUser.password}@127.0.0.1:${postgres.port}/dev`,
      },
      details: {
        engine: 'PostgreSQL 15',
        pid: postgres.pid,
        port: postgres.port,
        statementRole: postgres.statementUser.user,
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await server.close();
        await postgres.stop();
      },
    };
  },
};
