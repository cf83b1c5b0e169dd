import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { clientConfig } from '@streamlens/lambda-kit';
import { customResourceHandler } from '@streamlens/lambda-kit/custom-resource';
import { applyDdl } from './ddl.js';

const client = new RedshiftDataClient(clientConfig({ maxAttempts: 5 }));

/**
 * The warehouse's post-deploy set-up, as a CloudFormation custom resource (serverless.yml,
 * `WarehouseSetup`): applies the DDL files it is given (`sql/*.sql`, passed as text) to the
 * workgroup, on every deploy that changes them. Safe to repeat: every statement is
 * CREATE ... IF NOT EXISTS. Delete keeps the tables (they hold the data).
 */
export const handler = customResourceHandler(async (props) => {
  const workgroupName = String(props.Workgroup ?? '');
  const database = String(props.Database ?? '');
  const files = Array.isArray(props.Ddl) ? props.Ddl.map(String) : [];
  if (!workgroupName || !database || files.length === 0) {
    throw new Error('WarehouseSetup needs Workgroup, Database and Ddl (the sql/*.sql texts)');
  }
  // A workgroup that CloudFormation just created may still be starting: poll up to 10 minutes.
  const statements = await applyDdl(client, { workgroupName, database }, files, {
    deadline: Date.now() + 10 * 60_000,
    maxDelayMs: 5_000,
  });
  return {
    physicalResourceId: `warehouse-ddl-${workgroupName}-${database}`,
    data: { Statements: String(statements) },
  };
});
