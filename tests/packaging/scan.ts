// Security scan of packaged CloudFormation templates: wildcard IAM and unencrypted data stores.
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

export type CfnResource = { Type: string; Properties?: Record<string, unknown> };
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
    why: 'Redshift Data API statement follow-up actions (DescribeStatement, GetStatementResult, CancelStatement, ListStatements) support no resource type; ExecuteStatement is still scoped to the cluster/workgroup.',
    applies: ({ actions }) =>
      actions.length > 0 && actions.every((a) => REDSHIFT_DATA_STATEMENT_ACTIONS.has(a)),
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
