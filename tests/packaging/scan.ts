// Security scan of packaged CloudFormation templates: wildcard IAM, unencrypted data stores, and
// settings under which a deployed stack loses data (docs/security.md explains each rule).
// Pure functions over the template JSON, so the rules can be unit-tested on small bad templates
// (tests/packaging/scan.test.ts) and then run over every packaged service
// (tests/packaging/templates.test.ts).

/** Stable rule identifiers (a finding names the rule it broke). */
export const Rule = {
  IamWildcardAction: 'IAM_WILDCARD_ACTION',
  IamWildcardResource: 'IAM_WILDCARD_RESOURCE',
  IamNotActionOrResource: 'IAM_NOT_ACTION_OR_RESOURCE',
  KinesisUnencrypted: 'KINESIS_UNENCRYPTED',
  S3Unencrypted: 'S3_UNENCRYPTED',
  S3PublicAccessNotBlocked: 'S3_PUBLIC_ACCESS_NOT_BLOCKED',
  S3TlsNotEnforced: 'S3_TLS_NOT_ENFORCED',
  DynamoDbUnencrypted: 'DYNAMODB_UNENCRYPTED',
  DynamoDbPitrOff: 'DYNAMODB_PITR_OFF',
  SnsUnencrypted: 'SNS_UNENCRYPTED',
  SqsUnencrypted: 'SQS_UNENCRYPTED',
  FirehoseUnencrypted: 'FIREHOSE_UNENCRYPTED',
  LogGroupUnencrypted: 'LOG_GROUP_UNENCRYPTED',
  SqsVisibilityTimeoutTooShort: 'SQS_VISIBILITY_TIMEOUT_TOO_SHORT',
  OnFailureDestinationKms: 'ON_FAILURE_DESTINATION_KMS',
  StreamMaxRecordAge: 'STREAM_MAX_RECORD_AGE',
  EventBridgeTargetNoDlq: 'EVENTBRIDGE_TARGET_NO_DLQ',
  DeletionUnprotected: 'DATA_STORE_DELETION_UNPROTECTED',
  RedshiftDataNotOwnerScoped: 'REDSHIFT_DATA_NOT_OWNER_SCOPED',
  OpenSearchDomainOpen: 'OPENSEARCH_DOMAIN_OPEN',
} as const;
export type Rule = (typeof Rule)[keyof typeof Rule];

/** One rule broken by one resource (or one policy statement). */
export type Finding = {
  rule: Rule;
  /** Logical id of the resource in the template. */
  resource: string;
  type: string;
  /** Where inside the resource, e.g. `Policies[0].Statement[2]`. */
  where?: string;
  message: string;
};

export type CfnResource = {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Condition?: string;
};
export type CfnTemplate = { Resources?: Record<string, CfnResource> };

type Statement = Record<string, unknown>;

/** What an allow-list entry sees of a statement. */
export type StatementContext = {
  resourceType: string;
  statement: Statement;
  actions: string[];
};

/** A justified exception to an IAM rule. */
export type Exception = {
  id: string;
  rule: Rule;
  why: string;
  applies: (ctx: StatementContext) => boolean;
};

const XRAY_WRITE_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'xray:GetSamplingStatisticSummaries',
]);

/** The lookups Lambda makes to place a Kafka mapping's network interfaces in the cluster's VPC. */
const EC2_VPC_LOOKUP_ACTIONS = new Set([
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ec2:DescribeVpcs',
]);

const REDSHIFT_DATA_STATEMENT_ACTIONS = new Set([
  'redshift-data:DescribeStatement',
  'redshift-data:GetStatementResult',
  'redshift-data:CancelStatement',
  'redshift-data:ListStatements',
]);

const isKeyPolicy = (type: string): boolean =>
  type === 'AWS::KMS::Key' || type === 'AWS::KMS::ReplicaKey';

/**
 * The allow-list: every exception says why AWS leaves no narrower choice. Keep it short; an
 * entry here is a statement that the wildcard cannot be avoided, not that it is convenient.
 */
export const EXCEPTIONS: readonly Exception[] = [
  {
    id: 'kms-key-policy-resource',
    rule: Rule.IamWildcardResource,
    why: 'In a KMS key policy, Resource "*" means "this key"; AWS accepts nothing else there.',
    applies: ({ resourceType }) => isKeyPolicy(resourceType),
  },
  {
    id: 'kms-key-policy-account-root',
    rule: Rule.IamWildcardAction,
    why:
      "AWS's default key-policy statement: kms:* for the account root only. It delegates key use to " +
      'IAM policies (each role still needs its own scoped kms grant) and keeps the key manageable; ' +
      "without it CloudFormation's lockout check rejects the policy.",
    applies: ({ resourceType, statement, actions }) =>
      isKeyPolicy(resourceType) &&
      actions.length === 1 &&
      actions[0] === 'kms:*' &&
      principalIsOnlyAccountRoot(statement.Principal),
  },
  {
    id: 'xray-no-resource-level-permissions',
    rule: Rule.IamWildcardResource,
    why: 'X-Ray trace and sampling actions support no resource-level permissions (osls adds them when tracing is on).',
    applies: ({ actions }) => actions.length > 0 && actions.every((a) => XRAY_WRITE_ACTIONS.has(a)),
  },
  {
    id: 'ec2-describe-no-resource-level-permissions',
    rule: Rule.IamWildcardResource,
    why: 'EC2 Describe* actions support no resource-level permissions; a Kafka event source mapping in a VPC needs these four (creating and deleting its network interfaces stays scoped to ARNs).',
    applies: ({ actions }) =>
      actions.length > 0 && actions.every((a) => EC2_VPC_LOOKUP_ACTIONS.has(a)),
  },
  {
    id: 'cloudwatch-put-metric-data-by-namespace',
    rule: Rule.IamWildcardResource,
    why: 'cloudwatch:PutMetricData has no resource type; the narrowing AWS offers is the cloudwatch:namespace condition, which is required here.',
    applies: ({ actions, statement }) =>
      actions.length > 0 &&
      actions.every((a) => a === 'cloudwatch:PutMetricData') &&
      hasConditionKey(statement.Condition, 'cloudwatch:namespace'),
  },
  {
    id: 'redshift-data-statement-actions',
    rule: Rule.IamWildcardResource,
    why: 'Redshift Data API statement follow-up actions (DescribeStatement, GetStatementResult, CancelStatement, ListStatements) support no resource type; the redshift-data:statement-owner-iam-userid condition (required) narrows them to the statements the caller ran, and ExecuteStatement is still scoped to the cluster/workgroup.',
    applies: ({ actions, statement }) =>
      actions.length > 0 &&
      actions.every((a) => REDSHIFT_DATA_STATEMENT_ACTIONS.has(a)) &&
      isOwnerScoped(statement),
  },
];

/** Where each resource type keeps its policy documents. */
function policyDocuments(resource: CfnResource): Array<{ where: string; document: unknown }> {
  const p = resource.Properties ?? {};
  switch (resource.Type) {
    case 'AWS::IAM::Role':
    case 'AWS::IAM::User':
    case 'AWS::IAM::Group': {
      // The trust policy (AssumeRolePolicyDocument) grants sts:AssumeRole to a principal and has
      // no Resource; it is not a permissions policy.
      const policies = Array.isArray(p.Policies) ? p.Policies : [];
      return policies.map((policy, i) => ({
        where: `Policies[${i}]`,
        document: isRecord(policy) ? policy.PolicyDocument : undefined,
      }));
    }
    case 'AWS::IAM::Policy':
    case 'AWS::IAM::ManagedPolicy':
    case 'AWS::IAM::RolePolicy':
    case 'AWS::IAM::UserPolicy':
    case 'AWS::IAM::GroupPolicy':
    case 'AWS::S3::BucketPolicy':
    case 'AWS::SNS::TopicPolicy':
    case 'AWS::SQS::QueuePolicy':
    case 'AWS::Logs::ResourcePolicy':
      return [{ where: 'PolicyDocument', document: p.PolicyDocument }];
    case 'AWS::KMS::Key':
    case 'AWS::KMS::ReplicaKey':
      return [{ where: 'KeyPolicy', document: p.KeyPolicy }];
    case 'AWS::OpenSearchService::Domain':
    case 'AWS::Elasticsearch::Domain':
      return [{ where: 'AccessPolicies', document: p.AccessPolicies }];
    case 'AWS::SecretsManager::ResourcePolicy':
      return [{ where: 'ResourcePolicy', document: p.ResourcePolicy }];
    default:
      return [];
  }
}

function scanPolicies(id: string, resource: CfnResource, exceptions: readonly Exception[]) {
  const findings: Finding[] = [];
  for (const { where, document } of policyDocuments(resource)) {
    const doc = typeof document === 'string' ? safeJson(document) : document;
    if (!isRecord(doc)) continue;
    const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    statements.forEach((raw, i) => {
      if (!isRecord(raw) || raw.Effect !== 'Allow') return;
      const at = `${where}.Statement[${i}]${typeof raw.Sid === 'string' ? ` (${raw.Sid})` : ''}`;
      const actions = strings(raw.Action);
      const ctx: StatementContext = { resourceType: resource.Type, statement: raw, actions };
      const excused = (rule: Rule) => exceptions.some((e) => e.rule === rule && e.applies(ctx));
      const add = (rule: Rule, message: string) => {
        if (!excused(rule))
          findings.push({ rule, resource: id, type: resource.Type, where: at, message });
      };
      if (raw.NotAction !== undefined || raw.NotResource !== undefined) {
        add(
          Rule.IamNotActionOrResource,
          'Allow with NotAction/NotResource grants everything not listed; list what is allowed instead',
        );
      }
      const wildActions = actions.filter(isWildcardAction);
      if (wildActions.length > 0) {
        add(Rule.IamWildcardAction, `wildcard action ${wildActions.join(', ')}`);
      }
      if (raw.Resource !== undefined && strings(raw.Resource).includes('*')) {
        add(Rule.IamWildcardResource, `Resource "*" for ${actions.join(', ') || 'its actions'}`);
      }
      const followUps = actions.filter((a) => REDSHIFT_DATA_STATEMENT_ACTIONS.has(a));
      if (followUps.length > 0 && !isOwnerScoped(raw)) {
        add(
          Rule.RedshiftDataNotOwnerScoped,
          `${followUps.join(', ')} without the condition StringEquals redshift-data:statement-owner-iam-userid = \${aws:userid}: the role could read every statement's results in the account`,
        );
      }
    });
  }
  return findings;
}

/** `*` or `service:*`; prefix wildcards such as `kms:GenerateDataKey*` name a bounded action set. */
export function isWildcardAction(action: string): boolean {
  return action === '*' || /^[A-Za-z0-9-]+:\*$/.test(action);
}

function scanEncryption(
  id: string,
  resource: CfnResource,
  tlsEnforcedBuckets: ReadonlySet<string>,
): Finding[] {
  const p = resource.Properties ?? {};
  const finding = (rule: Rule, message: string): Finding => ({
    rule,
    resource: id,
    type: resource.Type,
    message,
  });
  const out: Finding[] = [];
  switch (resource.Type) {
    case 'AWS::Kinesis::Stream': {
      const enc = isRecord(p.StreamEncryption) ? p.StreamEncryption : {};
      if (enc.EncryptionType !== 'KMS' || enc.KeyId === undefined) {
        out.push(finding(Rule.KinesisUnencrypted, 'StreamEncryption KMS with a KeyId is required'));
      }
      break;
    }
    case 'AWS::S3::Bucket': {
      const rules = path(p, 'BucketEncryption', 'ServerSideEncryptionConfiguration');
      const encrypted =
        Array.isArray(rules) &&
        rules.length > 0 &&
        rules.every(
          (r) => typeof path(r, 'ServerSideEncryptionByDefault', 'SSEAlgorithm') === 'string',
        );
      if (!encrypted) {
        out.push(finding(Rule.S3Unencrypted, 'BucketEncryption with SSEAlgorithm is required'));
      }
      const pab = isRecord(p.PublicAccessBlockConfiguration)
        ? p.PublicAccessBlockConfiguration
        : {};
      const blocked = [
        'BlockPublicAcls',
        'BlockPublicPolicy',
        'IgnorePublicAcls',
        'RestrictPublicBuckets',
      ];
      const open = blocked.filter((k) => pab[k] !== true && pab[k] !== 'true');
      if (open.length > 0) {
        out.push(
          finding(
            Rule.S3PublicAccessNotBlocked,
            `PublicAccessBlockConfiguration must set ${open.join(', ')} to true` +
              (id === 'ServerlessDeploymentBucket'
                ? ' (osls deployment bucket: provider.deploymentBucket.blockPublicAccess: true)'
                : ''),
          ),
        );
      }
      if (!tlsEnforcedBuckets.has(id)) {
        out.push(
          finding(
            Rule.S3TlsNotEnforced,
            'no bucket policy in this template denies requests with aws:SecureTransport false',
          ),
        );
      }
      break;
    }
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable': {
      const enabled = path(p, 'SSESpecification', 'SSEEnabled');
      if (enabled !== true && enabled !== 'true') {
        out.push(
          finding(Rule.DynamoDbUnencrypted, 'SSESpecification.SSEEnabled: true is required'),
        );
      }
      const pitr =
        resource.Type === 'AWS::DynamoDB::Table'
          ? path(p, 'PointInTimeRecoverySpecification', 'PointInTimeRecoveryEnabled')
          : undefined;
      if (resource.Type === 'AWS::DynamoDB::Table' && pitr !== true && pitr !== 'true') {
        out.push(
          finding(
            Rule.DynamoDbPitrOff,
            'PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true is required',
          ),
        );
      }
      break;
    }
    case 'AWS::SNS::Topic':
      if (p.KmsMasterKeyId === undefined || p.KmsMasterKeyId === '') {
        out.push(finding(Rule.SnsUnencrypted, 'KmsMasterKeyId is required'));
      }
      break;
    case 'AWS::SQS::Queue': {
      const kms = p.KmsMasterKeyId !== undefined && p.KmsMasterKeyId !== '';
      const sqsManaged = p.SqsManagedSseEnabled === true || p.SqsManagedSseEnabled === 'true';
      if (!kms && !sqsManaged) {
        out.push(
          finding(Rule.SqsUnencrypted, 'KmsMasterKeyId or SqsManagedSseEnabled: true is required'),
        );
      }
      break;
    }
    case 'AWS::KinesisFirehose::DeliveryStream':
      out.push(...scanFirehose(resource).map((m) => finding(Rule.FirehoseUnencrypted, m)));
      break;
  }
  return out;
}

/**
 * A delivery stream fed by a Kinesis stream inherits that stream's encryption (Firehose refuses
 * DeliveryStreamEncryptionConfigurationInput then); a Direct PUT stream needs its own. Objects
 * written to S3 must name a KMS key rather than rely on whatever the bucket default is.
 */
function scanFirehose(resource: CfnResource): string[] {
  const p = resource.Properties ?? {};
  const messages: string[] = [];
  const fromKinesis = p.DeliveryStreamType === 'KinesisStreamAsSource';
  if (!fromKinesis && !isRecord(p.DeliveryStreamEncryptionConfigurationInput)) {
    messages.push('a Direct PUT delivery stream needs DeliveryStreamEncryptionConfigurationInput');
  }
  for (const key of ['ExtendedS3DestinationConfiguration', 'S3DestinationConfiguration']) {
    if (!isRecord(p[key])) continue;
    const kmsKey = path(p[key], 'EncryptionConfiguration', 'KMSEncryptionConfig', 'AWSKMSKeyARN');
    if (kmsKey === undefined) {
      messages.push(`${key}.EncryptionConfiguration.KMSEncryptionConfig.AWSKMSKeyARN is required`);
    }
  }
  return messages;
}

/** Logical ids of buckets whose policy (in this template) denies non-TLS requests. */
function bucketsWithTlsPolicy(template: CfnTemplate): Set<string> {
  const out = new Set<string>();
  for (const resource of Object.values(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::S3::BucketPolicy') continue;
    const bucket = resource.Properties?.Bucket;
    const ref = isRecord(bucket) && typeof bucket.Ref === 'string' ? bucket.Ref : undefined;
    if (ref === undefined) continue;
    const doc = resource.Properties?.PolicyDocument;
    const statements = isRecord(doc) ? [doc.Statement].flat() : [];
    const denies = statements.some((s) => {
      if (!isRecord(s) || s.Effect !== 'Deny') return false;
      const value = path(s, 'Condition', 'Bool', 'aws:SecureTransport');
      return value === false || value === 'false';
    });
    if (denies) out.add(ref);
  }
  return out;
}

/**
 * A consumer must give up on a stream record well before the stream trims it, or the on-failure
 * record (shard, sequence range) points at data that is gone before anyone can read it. Kinesis
 * keeps records at least 24 h (and DynamoDB Streams exactly 24 h); consumers templates cannot see
 * the stream's configured retention, so the bound is a quarter of that minimum: a discarded batch
 * is still readable for at least 18 h after its on-failure record is written.
 */
export const MAX_STREAM_RECORD_AGE_SECONDS = (24 * 3600) / 4;

/** AWS: the queue's visibility timeout at least six times the function's timeout. */
export const SQS_VISIBILITY_TIMEOUT_FACTOR = 6;

/** Lambda's defaults when a template leaves them out. */
const LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3;
const SQS_DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;

/**
 * Resource types that hold data a stack update or deletion must never take with it. Each needs
 * DeletionPolicy and UpdateReplacePolicy Retain; DynamoDB tables also DeletionProtectionEnabled
 * (which stops a console or API delete as well). osls' own deployment bucket holds only artifacts.
 */
const RETAINED_TYPES = new Set([
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::Kinesis::Stream',
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::RedshiftServerless::Namespace',
  'AWS::OpenSearchService::Domain',
]);

function scanResourceSettings(id: string, resource: CfnResource): Finding[] {
  const p = resource.Properties ?? {};
  const out: Finding[] = [];
  const finding = (rule: Rule, message: string) =>
    out.push({ rule, resource: id, type: resource.Type, message });
  if (resource.Type === 'AWS::Logs::LogGroup' && (p.KmsKeyId === undefined || p.KmsKeyId === '')) {
    finding(
      Rule.LogGroupUnencrypted,
      'KmsKeyId is required (the data key, whose policy lets CloudWatch Logs use it)',
    );
  }
  if (RETAINED_TYPES.has(resource.Type) && id !== 'ServerlessDeploymentBucket') {
    const missing = (['DeletionPolicy', 'UpdateReplacePolicy'] as const).filter(
      (k) => resource[k] !== 'Retain',
    );
    if (missing.length > 0) {
      finding(Rule.DeletionUnprotected, `${missing.join(' and ')}: Retain is required`);
    }
    const table = resource.Type === 'AWS::DynamoDB::Table';
    if (table && p.DeletionProtectionEnabled !== true && p.DeletionProtectionEnabled !== 'true') {
      finding(Rule.DeletionUnprotected, 'DeletionProtectionEnabled: true is required');
    }
  }
  if (resource.Type === 'AWS::Events::Rule') {
    const targets = Array.isArray(p.Targets) ? p.Targets : [];
    targets.forEach((target, i) => {
      const name = isRecord(target) && typeof target.Id === 'string' ? target.Id : `#${i}`;
      if (!isRecord(target) || path(target, 'DeadLetterConfig', 'Arn') === undefined) {
        finding(
          Rule.EventBridgeTargetNoDlq,
          `target ${name}: DeadLetterConfig.Arn is required (events EventBridge cannot deliver are dropped otherwise)`,
        );
      }
      const retry = isRecord(target) ? target.RetryPolicy : undefined;
      if (
        !isRecord(retry) ||
        retry.MaximumRetryAttempts === undefined ||
        retry.MaximumEventAgeInSeconds === undefined
      ) {
        finding(
          Rule.EventBridgeTargetNoDlq,
          `target ${name}: RetryPolicy with MaximumRetryAttempts and MaximumEventAgeInSeconds is required`,
        );
      }
    });
  }
  if (resource.Type === 'AWS::OpenSearchService::Domain') {
    for (const message of openSearchExposure(p)) finding(Rule.OpenSearchDomainOpen, message);
  }
  return out;
}

/**
 * Reachable from the internet or not (VPCOptions), a domain admits only signed requests of named
 * principals, over HTTPS, and encrypts at rest and between nodes.
 */
function openSearchExposure(p: Record<string, unknown>): string[] {
  const messages: string[] = [];
  if (!isTrue(path(p, 'EncryptionAtRestOptions', 'Enabled')))
    messages.push('EncryptionAtRestOptions.Enabled: true is required');
  if (!isTrue(path(p, 'NodeToNodeEncryptionOptions', 'Enabled')))
    messages.push('NodeToNodeEncryptionOptions.Enabled: true is required');
  if (!isTrue(path(p, 'DomainEndpointOptions', 'EnforceHTTPS')))
    messages.push('DomainEndpointOptions.EnforceHTTPS: true is required');
  const policy = isRecord(p.AccessPolicies) ? p.AccessPolicies : undefined;
  const statements = policy ? [policy.Statement].flat() : [];
  const allows = statements.filter((st) => isRecord(st) && st.Effect === 'Allow');
  if (allows.length === 0) {
    messages.push('AccessPolicies must allow named principals (an empty policy admits no one)');
  }
  for (const st of allows) {
    const principal = isRecord(st) ? st.Principal : undefined;
    const anyone =
      principal === '*' ||
      (isRecord(principal) && [principal.AWS].flat().some((value) => value === '*'));
    if (anyone || principal === undefined) {
      messages.push('AccessPolicies must not allow Principal "*": name the roles that may call it');
    }
  }
  return messages;
}

/** The logical id an intrinsic `{ Ref: X }` or `{ Fn::GetAtt: [X, ...] }` names. */
function referencedId(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** A string, or a string CloudFormation builds from literals only (Fn::Join, Fn::Sub with `${!`). */
function literalString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!isRecord(value)) return undefined;
  const join = value['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    const parts = join[1].map(literalString);
    return parts.every((part) => part !== undefined) ? parts.join(join[0]) : undefined;
  }
  const sub = value['Fn::Sub'];
  if (typeof sub === 'string' && !/\$\{(?!!)/.test(sub)) return sub.replace(/\$\{!/g, '${');
  return undefined;
}

/** IAM's policy variable for the caller's unique id (a literal here, not a template string). */
const AWS_USERID_VARIABLE = ['$', '{aws:userid}'].join('');

function isOwnerScoped(statement: Statement): boolean {
  const equals = path(statement, 'Condition', 'StringEquals');
  if (!isRecord(equals)) return false;
  return literalString(equals['redshift-data:statement-owner-iam-userid']) === AWS_USERID_VARIABLE;
}

/** The IAM statements (Allow) a role carries: its inline policies and AWS::IAM::Policy on it. */
function roleStatements(template: CfnTemplate, roleId: string): Statement[] {
  const resources = template.Resources ?? {};
  const docs: unknown[] = [];
  const role = resources[roleId];
  if (role?.Type === 'AWS::IAM::Role') {
    const policies = Array.isArray(role.Properties?.Policies) ? role.Properties.Policies : [];
    for (const policy of policies) if (isRecord(policy)) docs.push(policy.PolicyDocument);
  }
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::RolePolicy') continue;
    const roles = [resource.Properties?.Roles, resource.Properties?.RoleName].flat();
    if (roles.some((r) => referencedId(r) === roleId))
      docs.push(resource.Properties?.PolicyDocument);
  }
  return docs
    .flatMap((doc) => (isRecord(doc) ? [doc.Statement].flat() : []))
    .filter((st): st is Statement => isRecord(st) && st.Effect === 'Allow');
}

/** Whether an IAM action pattern (`kms:GenerateDataKey*`, `kms:*`) covers `action`. */
function actionCovers(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`,
    'i',
  );
  return re.test(action);
}

function allows(statements: Statement[], action: string, resource: unknown): boolean {
  const wanted = JSON.stringify(resource);
  return statements.some(
    (st) =>
      strings(st.Action).some((pattern) => actionCovers(pattern, action)) &&
      [st.Resource].flat().some((r) => r === '*' || JSON.stringify(r) === wanted),
  );
}

/** The customer-managed key a queue or topic is encrypted with, if any (not an AWS-managed alias). */
function customerKeyOf(resource: CfnResource | undefined): unknown {
  const key = resource?.Properties?.KmsMasterKeyId;
  if (key === undefined || key === '') return undefined;
  if (typeof key === 'string' && key.startsWith('alias/aws/')) return undefined;
  return key;
}

/** Rules about an event source mapping and what it points at (queue, function, destination). */
function scanEventSourceMapping(template: CfnTemplate, id: string, esm: CfnResource): Finding[] {
  const resources = template.Resources ?? {};
  const p = esm.Properties ?? {};
  const out: Finding[] = [];
  const finding = (rule: Rule, message: string) =>
    out.push({ rule, resource: id, type: esm.Type, message });
  const functionId = referencedId(p.FunctionName);
  const fn = functionId ? resources[functionId] : undefined;
  const source = resources[referencedId(p.EventSourceArn) ?? ''];
  const sourceText = JSON.stringify(p.EventSourceArn ?? '');

  if (source?.Type === 'AWS::SQS::Queue' && fn?.Type === 'AWS::Lambda::Function') {
    const timeout = Number(fn.Properties?.Timeout ?? LAMBDA_DEFAULT_TIMEOUT_SECONDS);
    const visibility = Number(
      source.Properties?.VisibilityTimeout ?? SQS_DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
    );
    if (
      Number.isFinite(timeout) &&
      Number.isFinite(visibility) &&
      visibility < SQS_VISIBILITY_TIMEOUT_FACTOR * timeout
    ) {
      finding(
        Rule.SqsVisibilityTimeoutTooShort,
        `queue ${referencedId(p.EventSourceArn)} VisibilityTimeout ${visibility} s is under ${SQS_VISIBILITY_TIMEOUT_FACTOR} × the function's ${timeout} s timeout (${SQS_VISIBILITY_TIMEOUT_FACTOR * timeout} s): messages reach the dead-letter queue early`,
      );
    }
  }

  const isStream =
    source?.Type === 'AWS::Kinesis::Stream' ||
    source?.Type === 'AWS::DynamoDB::Table' ||
    /:kinesis:|:dynamodb:.*\/stream\//.test(sourceText);
  if (isStream) {
    const age = Number(p.MaximumRecordAgeInSeconds ?? -1);
    if (!(age > 0 && age <= MAX_STREAM_RECORD_AGE_SECONDS)) {
      finding(
        Rule.StreamMaxRecordAge,
        `MaximumRecordAgeInSeconds ${p.MaximumRecordAgeInSeconds ?? '(unset: infinite)'} must be set and at most ${MAX_STREAM_RECORD_AGE_SECONDS} s (a quarter of the 24 h minimum retention), so a discarded batch can still be read`,
      );
    }
  }

  const destinationId = referencedId(path(p, 'DestinationConfig', 'OnFailure', 'Destination'));
  const destination = destinationId ? resources[destinationId] : undefined;
  const key = customerKeyOf(destination);
  const roleId = referencedId(fn?.Properties?.Role);
  if (key !== undefined && roleId !== undefined) {
    const statements = roleStatements(template, roleId);
    const missing = ['kms:GenerateDataKey', 'kms:Decrypt'].filter(
      (action) => !allows(statements, action, key),
    );
    if (missing.length > 0) {
      finding(
        Rule.OnFailureDestinationKms,
        `on-failure destination ${destinationId} is encrypted with a customer key, but role ${roleId} lacks ${missing.join(' and ')} on it: Lambda cannot send the on-failure record`,
      );
    }
  }
  return out;
}

/** Scans one template; an empty list means it passes. */
export function scanTemplate(
  template: CfnTemplate,
  exceptions: readonly Exception[] = EXCEPTIONS,
): Finding[] {
  const tls = bucketsWithTlsPolicy(template);
  const findings: Finding[] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    if (!isRecord(resource) || typeof resource.Type !== 'string') continue;
    findings.push(...scanPolicies(id, resource, exceptions));
    findings.push(...scanEncryption(id, resource, tls));
    findings.push(...scanResourceSettings(id, resource));
    if (resource.Type === 'AWS::Lambda::EventSourceMapping') {
      findings.push(...scanEventSourceMapping(template, id, resource));
    }
  }
  return findings;
}

/** One line per finding, for test failure messages. */
export function formatFindings(name: string, findings: readonly Finding[]): string {
  return findings
    .map(
      (f) =>
        `${name}: ${f.rule} ${f.resource} (${f.type})${f.where ? ` ${f.where}` : ''}: ${f.message}`,
    )
    .join('\n');
}

function principalIsOnlyAccountRoot(principal: unknown): boolean {
  if (!isRecord(principal)) return false;
  const keys = Object.keys(principal);
  if (keys.length !== 1 || keys[0] !== 'AWS') return false;
  const values = [principal.AWS].flat();
  return values.length === 1 && endsWithRoot(values[0]);
}

function endsWithRoot(value: unknown): boolean {
  if (typeof value === 'string')
    return /^arn:[a-z-]+:iam::(\d{12}|\$\{AWS::AccountId\}):root$/.test(value);
  if (!isRecord(value)) return false;
  const sub = value['Fn::Sub'];
  if (typeof sub === 'string')
    return /^arn:(\$\{AWS::Partition\}|[a-z-]+):iam::\$\{AWS::AccountId\}:root$/.test(sub);
  const join = value['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) {
    const parts = join[1];
    const last = parts[parts.length - 1];
    return typeof last === 'string' && last.endsWith(':root');
  }
  return false;
}

function hasConditionKey(condition: unknown, key: string): boolean {
  if (!isRecord(condition)) return false;
  return Object.values(condition).some((block) => isRecord(block) && key in block);
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

function strings(value: unknown): string[] {
  return [value].flat().filter((v): v is string => typeof v === 'string');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function path(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
