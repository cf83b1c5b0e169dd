import { describe, expect, it } from '@jest/globals';
import {
  type CfnResource,
  type CfnTemplate,
  EXCEPTIONS,
  isWildcardAction,
  Rule,
  scanTemplate,
} from './scan.js';

// Small templates that each break exactly one rule, and their fixed twins: the scanner must flag
// the first and pass the second, so the packaging check cannot pass vacuously.

const KEY_ARN = 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/streamlens-dev-events';

const role = (statement: Record<string, unknown>): CfnResource => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: ['lambda.amazonaws.com'] },
          Action: ['sts:AssumeRole'],
        },
      ],
    },
    Policies: [
      { PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement: [statement] } },
    ],
  },
});

const tlsPolicy = (bucket: string): CfnResource => ({
  Type: 'AWS::S3::BucketPolicy',
  Properties: {
    Bucket: { Ref: bucket },
    PolicyDocument: {
      Statement: [
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [{ 'Fn::GetAtt': [bucket, 'Arn'] }],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    },
  },
});

const goodBucketProps = {
  BucketEncryption: {
    ServerSideEncryptionConfiguration: [
      {
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN },
        BucketKeyEnabled: true,
      },
    ],
  },
  PublicAccessBlockConfiguration: {
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  },
};

const keyPolicy = (statement: Record<string, unknown>): CfnResource => ({
  Type: 'AWS::KMS::Key',
  Properties: {
    EnableKeyRotation: true,
    KeyPolicy: { Version: '2012-10-17', Statement: [statement] },
  },
});

const LOG_GROUP_ARN =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not JS.
  'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/x-dev*:*';
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not JS.
const ROOT = { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } };

type Case = { name: string; rule: Rule; bad: CfnTemplate; good: CfnTemplate };

/**
 * The data stores in a template, retained as DATA_STORE_DELETION_UNPROTECTED asks (tables also
 * deletion-protected), so that the cases of the other rules each break only their own rule.
 */
function retained(template: CfnTemplate): CfnTemplate {
  const stores = new Set([
    'AWS::DynamoDB::Table',
    'AWS::Kinesis::Stream',
    'AWS::S3::Bucket',
    'AWS::KMS::Key',
    'AWS::OpenSearchService::Domain',
  ]);
  const resources = Object.fromEntries(
    Object.entries(template.Resources ?? {}).map(([id, r]) => {
      if (!stores.has(r.Type)) return [id, r];
      const properties =
        r.Type === 'AWS::DynamoDB::Table'
          ? { ...r.Properties, DeletionProtectionEnabled: true }
          : r.Properties;
      return [
        id,
        {
          ...r,
          DeletionPolicy: 'Retain',
          UpdateReplacePolicy: 'Retain',
          ...(properties ? { Properties: properties } : {}),
        },
      ];
    }),
  );
  return { ...template, Resources: resources };
}

const storeCases: Case[] = [
  {
    name: 'a role statement with Action "*"',
    rule: Rule.IamWildcardAction,
    bad: { Resources: { R: role({ Effect: 'Allow', Action: '*', Resource: STREAM_ARN }) } },
    good: {
      Resources: {
        R: role({ Effect: 'Allow', Action: 'kinesis:GetRecords', Resource: STREAM_ARN }),
      },
    },
  },
  {
    name: 'a managed policy with a service-wide action',
    rule: Rule.IamWildcardAction,
    bad: {
      Resources: {
        P: {
          Type: 'AWS::IAM::ManagedPolicy',
          Properties: {
            PolicyDocument: {
              Statement: {
                Effect: 'Allow',
                Action: ['dynamodb:*'],
                Resource: 'arn:aws:dynamodb:us-east-1:0:table/t',
              },
            },
          },
        },
      },
    },
    good: {
      Resources: {
        P: {
          Type: 'AWS::IAM::ManagedPolicy',
          Properties: {
            PolicyDocument: {
              Statement: {
                Effect: 'Allow',
                Action: ['dynamodb:PutItem'],
                Resource: 'arn:aws:dynamodb:us-east-1:0:table/t',
              },
            },
          },
        },
      },
    },
  },
  {
    name: 'an inline policy with Resource "*"',
    rule: Rule.IamWildcardResource,
    bad: {
      Resources: {
        P: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyDocument: {
              Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: ['*'] }],
            },
          },
        },
      },
    },
    good: {
      Resources: {
        P: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyDocument: {
              Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: [{ Ref: 'Topic' }] }],
            },
          },
        },
      },
    },
  },
  {
    name: 'an Allow with NotAction',
    rule: Rule.IamNotActionOrResource,
    bad: { Resources: { R: role({ Effect: 'Allow', NotAction: 'iam:*', Resource: STREAM_ARN }) } },
    good: { Resources: { R: role({ Effect: 'Deny', NotAction: 'iam:*', Resource: STREAM_ARN }) } },
  },
  {
    name: 'a key policy granting kms:* to a role instead of the account root',
    rule: Rule.IamWildcardAction,
    bad: {
      Resources: {
        K: keyPolicy({
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::000000000000:role/app' },
          Action: 'kms:*',
          Resource: '*',
        }),
      },
    },
    good: {
      Resources: {
        K: keyPolicy({ Effect: 'Allow', Principal: ROOT, Action: 'kms:*', Resource: '*' }),
      },
    },
  },
  {
    name: 'a queue policy with Resource "*"',
    rule: Rule.IamWildcardResource,
    bad: {
      Resources: {
        QP: {
          Type: 'AWS::SQS::QueuePolicy',
          Properties: {
            Queues: [{ Ref: 'Q' }],
            PolicyDocument: {
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { Service: 'sns.amazonaws.com' },
                  Action: 'sqs:SendMessage',
                  Resource: '*',
                },
              ],
            },
          },
        },
      },
    },
    good: {
      Resources: {
        QP: {
          Type: 'AWS::SQS::QueuePolicy',
          Properties: {
            Queues: [{ Ref: 'Q' }],
            PolicyDocument: {
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { Service: 'sns.amazonaws.com' },
                  Action: 'sqs:SendMessage',
                  Resource: { 'Fn::GetAtt': ['Q', 'Arn'] },
                },
              ],
            },
          },
        },
      },
    },
  },
  {
    name: 'X-Ray actions mixed with an action that has resource-level permissions',
    rule: Rule.IamWildcardResource,
    bad: {
      Resources: {
        R: role({
          Effect: 'Allow',
          Action: ['xray:PutTraceSegments', 's3:GetObject'],
          Resource: ['*'],
        }),
      },
    },
    good: {
      Resources: {
        R: role({
          Effect: 'Allow',
          Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          Resource: ['*'],
        }),
      },
    },
  },
  {
    name: 'EC2 lookups on "*" mixed with network-interface creation',
    rule: Rule.IamWildcardResource,
    bad: {
      Resources: {
        R: role({
          Effect: 'Allow',
          Action: ['ec2:DescribeSubnets', 'ec2:CreateNetworkInterface'],
          Resource: '*',
        }),
      },
    },
    good: {
      Resources: {
        R: role({
          Effect: 'Allow',
          Action: [
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSecurityGroups',
            'ec2:DescribeSubnets',
            'ec2:DescribeVpcs',
          ],
          Resource: '*',
        }),
      },
    },
  },
  {
    name: 'PutMetricData on "*" without a namespace condition',
    rule: Rule.IamWildcardResource,
    bad: {
      Resources: {
        R: role({ Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*' }),
      },
    },
    good: {
      Resources: {
        R: role({
          Effect: 'Allow',
          Action: 'cloudwatch:PutMetricData',
          Resource: '*',
          Condition: { StringEquals: { 'cloudwatch:namespace': 'streamlens' } },
        }),
      },
    },
  },
  {
    name: 'an unencrypted Kinesis stream',
    rule: Rule.KinesisUnencrypted,
    bad: {
      Resources: {
        S: {
          Type: 'AWS::Kinesis::Stream',
          Properties: { StreamModeDetails: { StreamMode: 'ON_DEMAND' } },
        },
      },
    },
    good: {
      Resources: {
        S: {
          Type: 'AWS::Kinesis::Stream',
          Properties: {
            StreamModeDetails: { StreamMode: 'ON_DEMAND' },
            StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
          },
        },
      },
    },
  },
  {
    name: 'a bucket without default encryption',
    rule: Rule.S3Unencrypted,
    bad: {
      Resources: {
        B: {
          Type: 'AWS::S3::Bucket',
          Properties: {
            PublicAccessBlockConfiguration: goodBucketProps.PublicAccessBlockConfiguration,
          },
        },
        BP: tlsPolicy('B'),
      },
    },
    good: {
      Resources: {
        B: { Type: 'AWS::S3::Bucket', Properties: goodBucketProps },
        BP: tlsPolicy('B'),
      },
    },
  },
  {
    name: 'a bucket with one public-access-block flag off',
    rule: Rule.S3PublicAccessNotBlocked,
    bad: {
      Resources: {
        B: {
          Type: 'AWS::S3::Bucket',
          Properties: {
            ...goodBucketProps,
            PublicAccessBlockConfiguration: {
              ...goodBucketProps.PublicAccessBlockConfiguration,
              RestrictPublicBuckets: false,
            },
          },
        },
        BP: tlsPolicy('B'),
      },
    },
    good: {
      Resources: {
        B: { Type: 'AWS::S3::Bucket', Properties: goodBucketProps },
        BP: tlsPolicy('B'),
      },
    },
  },
  {
    name: 'a bucket whose only policy targets another bucket',
    rule: Rule.S3TlsNotEnforced,
    bad: {
      Resources: {
        B: { Type: 'AWS::S3::Bucket', Properties: goodBucketProps },
        BP: tlsPolicy('Other'),
      },
    },
    good: {
      Resources: {
        B: { Type: 'AWS::S3::Bucket', Properties: goodBucketProps },
        BP: tlsPolicy('B'),
      },
    },
  },
  {
    name: 'a DynamoDB table without SSESpecification',
    rule: Rule.DynamoDbUnencrypted,
    bad: {
      Resources: {
        T: {
          Type: 'AWS::DynamoDB::Table',
          Properties: { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } },
        },
      },
    },
    good: {
      Resources: {
        T: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: KEY_ARN },
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          },
        },
      },
    },
  },
  {
    name: 'a DynamoDB table without point-in-time recovery',
    rule: Rule.DynamoDbPitrOff,
    bad: {
      Resources: {
        T: { Type: 'AWS::DynamoDB::Table', Properties: { SSESpecification: { SSEEnabled: true } } },
      },
    },
    good: {
      Resources: {
        T: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            SSESpecification: { SSEEnabled: true },
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          },
        },
      },
    },
  },
  {
    name: 'an SNS topic without KmsMasterKeyId',
    rule: Rule.SnsUnencrypted,
    bad: { Resources: { T: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alerts' } } } },
    good: {
      Resources: {
        T: {
          Type: 'AWS::SNS::Topic',
          Properties: { TopicName: 'alerts', KmsMasterKeyId: KEY_ARN },
        },
      },
    },
  },
  {
    name: 'an SQS queue without server-side encryption',
    rule: Rule.SqsUnencrypted,
    bad: {
      Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: false } } },
    },
    good: {
      Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true } } },
    },
  },
  {
    name: 'a Direct PUT delivery stream without encryption',
    rule: Rule.FirehoseUnencrypted,
    bad: {
      Resources: {
        F: {
          Type: 'AWS::KinesisFirehose::DeliveryStream',
          Properties: {
            DeliveryStreamType: 'DirectPut',
            ExtendedS3DestinationConfiguration: {
              EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: KEY_ARN } },
            },
          },
        },
      },
    },
    good: {
      Resources: {
        F: {
          Type: 'AWS::KinesisFirehose::DeliveryStream',
          Properties: {
            DeliveryStreamType: 'DirectPut',
            DeliveryStreamEncryptionConfigurationInput: {
              KeyType: 'CUSTOMER_MANAGED_CMK',
              KeyARN: KEY_ARN,
            },
            ExtendedS3DestinationConfiguration: {
              EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: KEY_ARN } },
            },
          },
        },
      },
    },
  },
  {
    name: 'a Kinesis-sourced delivery stream writing S3 objects without a KMS key',
    rule: Rule.FirehoseUnencrypted,
    bad: {
      Resources: {
        F: {
          Type: 'AWS::KinesisFirehose::DeliveryStream',
          Properties: {
            DeliveryStreamType: 'KinesisStreamAsSource',
            ExtendedS3DestinationConfiguration: {
              EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
            },
          },
        },
      },
    },
    good: {
      Resources: {
        F: {
          Type: 'AWS::KinesisFirehose::DeliveryStream',
          Properties: {
            DeliveryStreamType: 'KinesisStreamAsSource',
            ExtendedS3DestinationConfiguration: {
              EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: KEY_ARN } },
            },
          },
        },
      },
    },
  },
];

const FUNCTION_ROLE = 'FnRole';
const fnRole = (...statements: Record<string, unknown>[]): CfnResource => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    Policies: [
      { PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement: statements } },
    ],
  },
});
const lambda = (timeout: number): CfnResource => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Timeout: timeout, Role: { 'Fn::GetAtt': [FUNCTION_ROLE, 'Arn'] } },
});
const streamMapping = (
  properties: Record<string, unknown>,
  source: unknown = STREAM_ARN,
): CfnResource => ({
  Type: 'AWS::Lambda::EventSourceMapping',
  Properties: {
    EventSourceArn: source,
    FunctionName: { 'Fn::GetAtt': ['Fn', 'Arn'] },
    MaximumRecordAgeInSeconds: 21_600,
    ...properties,
  },
});
const kmsQueue: CfnResource = { Type: 'AWS::SQS::Queue', Properties: { KmsMasterKeyId: KEY_ARN } };
const useKey = (actions: string[]) => ({ Effect: 'Allow', Action: actions, Resource: KEY_ARN });
const onFailure = {
  DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Dlq', 'Arn'] } } },
};
const statementOwner = {
  StringEquals: {
    'redshift-data:statement-owner-iam-userid': { 'Fn::Join': ['', ['$', '{aws:userid}']] },
  },
};
const domain = (properties: Record<string, unknown>): CfnResource => ({
  Type: 'AWS::OpenSearchService::Domain',
  ...RETAIN,
  Properties: {
    EncryptionAtRestOptions: { Enabled: true, KmsKeyId: KEY_ARN },
    NodeToNodeEncryptionOptions: { Enabled: true },
    DomainEndpointOptions: { EnforceHTTPS: true },
    AccessPolicies: {
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::GetAtt': [FUNCTION_ROLE, 'Arn'] } },
          Action: ['es:ESHttpPost'],
          Resource: 'arn:aws:es:us-east-1:000000000000:domain/d/*',
        },
      ],
    },
    ...properties,
  },
});
const ruleTarget = (extra: Record<string, unknown>) => ({
  Type: 'AWS::Events::Rule',
  Properties: {
    EventPattern: { source: ['aws.s3'] },
    Targets: [{ Id: 'q', Arn: { 'Fn::GetAtt': ['Q', 'Arn'] }, ...extra }],
  },
});

const RETAIN = { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' } as const;
const table = (properties: Record<string, unknown>): CfnResource => ({
  Type: 'AWS::DynamoDB::Table',
  ...RETAIN,
  Properties: {
    SSESpecification: { SSEEnabled: true },
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    ...properties,
  },
});
const stream = (policies: Partial<typeof RETAIN>): CfnResource => ({
  Type: 'AWS::Kinesis::Stream',
  ...policies,
  Properties: { StreamEncryption: { EncryptionType: 'KMS', KeyId: KEY_ARN } },
});
/** A function of `timeout` s fed by an SQS queue (VisibilityTimeout left out when undefined). */
const sqsSource = (timeout: number, visibility?: number): CfnTemplate => ({
  Resources: {
    Fn: lambda(timeout),
    Q: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        SqsManagedSseEnabled: true,
        ...(visibility === undefined ? {} : { VisibilityTimeout: visibility }),
      },
    },
    M: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { EventSourceArn: { 'Fn::GetAtt': ['Q', 'Arn'] }, FunctionName: { Ref: 'Fn' } },
    },
  },
});
/** A stream consumer whose on-failure queue is under the customer key; the role gets `grants`. */
const onFailureTo = (...grants: Record<string, CfnResource>[]): CfnTemplate => ({
  Resources: {
    Fn: lambda(60),
    Dlq: kmsQueue,
    M: streamMapping(onFailure),
    ...Object.assign({}, ...grants),
  },
});
const RETRY = { RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 } };
const DLQ = { DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['Dlq', 'Arn'] } } };
const readStream = { Effect: 'Allow', Action: 'kinesis:GetRecords', Resource: STREAM_ARN };
const keyPolicyOnRole = (actions: string[]) => ({
  P: {
    Type: 'AWS::IAM::Policy',
    Properties: {
      Roles: [{ Ref: FUNCTION_ROLE }],
      PolicyDocument: { Statement: [useKey(actions)] },
    },
  },
});
const followStatements = (extra: Record<string, unknown>) => ({
  Effect: 'Allow',
  Action: ['redshift-data:DescribeStatement', 'redshift-data:GetStatementResult'],
  ...extra,
});

/** Rules about what a deployed stack loses: one bad template and its fixed twin each. */
const dataLossCases: Case[] = [
  {
    name: 'a function log group without a KMS key',
    rule: Rule.LogGroupUnencrypted,
    bad: { Resources: { L: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } } } },
    good: {
      Resources: {
        L: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30, KmsKeyId: KEY_ARN } },
      },
    },
  },
  {
    name: 'an SQS event source whose visibility timeout is under 6 × the function timeout',
    rule: Rule.SqsVisibilityTimeoutTooShort,
    bad: sqsSource(150, 180),
    good: sqsSource(150, 900),
  },
  {
    name: 'an SQS event source with the default 30 s visibility and a 10 s function',
    rule: Rule.SqsVisibilityTimeoutTooShort,
    bad: sqsSource(10),
    good: sqsSource(5),
  },
  {
    name: 'an on-failure queue under a customer key the role may only decrypt with',
    rule: Rule.OnFailureDestinationKms,
    bad: onFailureTo({ [FUNCTION_ROLE]: fnRole(useKey(['kms:Decrypt'])) }),
    good: onFailureTo({ [FUNCTION_ROLE]: fnRole(useKey(['kms:Decrypt', 'kms:GenerateDataKey'])) }),
  },
  {
    name: 'an on-failure queue under a customer key granted by a separate policy without Decrypt',
    rule: Rule.OnFailureDestinationKms,
    bad: onFailureTo(
      { [FUNCTION_ROLE]: fnRole(readStream) },
      keyPolicyOnRole(['kms:GenerateDataKey*']),
    ),
    good: onFailureTo(
      { [FUNCTION_ROLE]: fnRole(readStream) },
      keyPolicyOnRole(['kms:GenerateDataKey*', 'kms:Decrypt']),
    ),
  },
  {
    name: 'a Kinesis consumer that keeps retrying until the stream trims the record',
    rule: Rule.StreamMaxRecordAge,
    bad: { Resources: { Fn: lambda(60), M: streamMapping({ MaximumRecordAgeInSeconds: 86_400 }) } },
    good: {
      Resources: { Fn: lambda(60), M: streamMapping({ MaximumRecordAgeInSeconds: 21_600 }) },
    },
  },
  {
    name: 'a Kinesis consumer with no record age limit (infinite by default)',
    rule: Rule.StreamMaxRecordAge,
    bad: {
      Resources: {
        S: stream(RETAIN),
        Fn: lambda(60),
        M: streamMapping({ MaximumRecordAgeInSeconds: -1 }, { 'Fn::GetAtt': ['S', 'Arn'] }),
      },
    },
    good: {
      Resources: {
        S: stream(RETAIN),
        Fn: lambda(60),
        M: streamMapping({ MaximumRecordAgeInSeconds: 3_600 }, { 'Fn::GetAtt': ['S', 'Arn'] }),
      },
    },
  },
  {
    name: 'an EventBridge target without a dead-letter queue',
    rule: Rule.EventBridgeTargetNoDlq,
    bad: { Resources: { R: ruleTarget(RETRY) } },
    good: { Resources: { R: ruleTarget({ ...RETRY, ...DLQ }) } },
  },
  {
    name: 'an EventBridge target without a retry policy',
    rule: Rule.EventBridgeTargetNoDlq,
    bad: { Resources: { R: ruleTarget(DLQ) } },
    good: { Resources: { R: ruleTarget({ ...RETRY, ...DLQ }) } },
  },
  {
    name: 'a table without deletion protection',
    rule: Rule.DeletionUnprotected,
    bad: { Resources: { T: table({}) } },
    good: { Resources: { T: table({ DeletionProtectionEnabled: true }) } },
  },
  {
    name: 'a stream that a stack deletion takes with it',
    rule: Rule.DeletionUnprotected,
    bad: { Resources: { S: stream({ UpdateReplacePolicy: 'Retain' }) } },
    good: { Resources: { S: stream(RETAIN) } },
  },
  {
    name: 'Redshift Data statement follow-ups on every statement of the account',
    rule: Rule.RedshiftDataNotOwnerScoped,
    bad: {
      Resources: {
        R: role(
          followStatements({
            Resource: 'arn:aws:redshift-serverless:us-east-1:000000000000:workgroup/w',
          }),
        ),
      },
    },
    good: {
      Resources: { R: role(followStatements({ Resource: '*', Condition: statementOwner })) },
    },
  },
  {
    name: 'an OpenSearch domain whose access policy admits anyone',
    rule: Rule.OpenSearchDomainOpen,
    bad: {
      Resources: {
        D: domain({
          AccessPolicies: {
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: '*' },
                Action: 'es:ESHttpGet',
                Resource: 'arn:aws:es:us-east-1:000000000000:domain/d/*',
              },
            ],
          },
        }),
      },
    },
    good: { Resources: { D: domain({}) } },
  },
  {
    name: 'an OpenSearch domain that accepts plain HTTP',
    rule: Rule.OpenSearchDomainOpen,
    bad: { Resources: { D: domain({ DomainEndpointOptions: { EnforceHTTPS: false } }) } },
    good: {
      Resources: {
        D: domain({
          VPCOptions: { SubnetIds: ['subnet-0123456789abcdef0'] },
          AdvancedSecurityOptions: { Enabled: true },
        }),
      },
    },
  },
];

const cases: Case[] = [
  ...storeCases.map((c) => ({ ...c, bad: retained(c.bad), good: retained(c.good) })),
  ...dataLossCases,
];

describe('scanTemplate', () => {
  it.each(cases)('flags $name with $rule, and passes the fixed template', ({ rule, bad, good }) => {
    // Act
    const badFindings = scanTemplate(bad);
    const goodFindings = scanTemplate(good);

    // Assess
    expect(badFindings.map((f) => f.rule)).toEqual([rule]);
    expect(goodFindings).toEqual([]);
  });

  it('has at least one failing template for every rule', () => {
    // Prepare
    const covered = new Set(cases.map((c) => c.rule));

    // Assess
    expect([...covered].sort()).toEqual(Object.values(Rule).sort());
  });

  it('ignores Deny statements with wildcards, which only restrict', () => {
    // Prepare
    const template: CfnTemplate = retained({
      Resources: {
        B: { Type: 'AWS::S3::Bucket', Properties: goodBucketProps },
        BP: tlsPolicy('B'),
      },
    });

    // Act
    const findings = scanTemplate(template);

    // Assess
    expect(findings).toEqual([]);
  });

  it('accepts ARNs with a suffix wildcard, as osls generates for log groups', () => {
    // Prepare
    const template: CfnTemplate = {
      Resources: {
        R: role({
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:CreateLogGroup'],
          Resource: [{ 'Fn::Sub': LOG_GROUP_ARN }],
        }),
      },
    };

    // Act
    const findings = scanTemplate(template);

    // Assess
    expect(findings).toEqual([]);
  });

  it('reads policy documents given as JSON strings', () => {
    // Prepare
    const template: CfnTemplate = {
      Resources: {
        L: {
          Type: 'AWS::Logs::ResourcePolicy',
          Properties: {
            PolicyDocument: JSON.stringify({
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 'logs:*',
                  Resource: 'arn:aws:logs:us-east-1:0:log-group:x',
                },
              ],
            }),
          },
        },
      },
    };

    // Act
    const findings = scanTemplate(template);

    // Assess
    expect(findings.map((f) => f.rule)).toEqual([Rule.IamWildcardAction]);
  });

  it('reports a wildcard action and resource in one statement as two findings with its location', () => {
    // Prepare
    const template: CfnTemplate = {
      Resources: { R: role({ Sid: 'Everything', Effect: 'Allow', Action: 's3:*', Resource: '*' }) },
    };

    // Act
    const findings = scanTemplate(template);

    // Assess
    expect(findings).toEqual([
      expect.objectContaining({
        rule: Rule.IamWildcardAction,
        resource: 'R',
        where: 'Policies[0].Statement[0] (Everything)',
      }),
      expect.objectContaining({
        rule: Rule.IamWildcardResource,
        resource: 'R',
        where: 'Policies[0].Statement[0] (Everything)',
      }),
    ]);
  });

  it('applies no exception when the allow-list is empty', () => {
    // Prepare
    const template: CfnTemplate = {
      Resources: {
        R: role({ Effect: 'Allow', Action: ['xray:PutTraceSegments'], Resource: ['*'] }),
      },
    };

    // Act
    const findings = scanTemplate(template, []);

    // Assess
    expect(findings.map((f) => f.rule)).toEqual([Rule.IamWildcardResource]);
  });

  it('justifies every exception', () => {
    // Assess
    for (const exception of EXCEPTIONS) {
      expect({ id: exception.id, justified: exception.why.length > 40 }).toEqual({
        id: exception.id,
        justified: true,
      });
    }
  });
});

describe('isWildcardAction', () => {
  it.each([
    ['*', true],
    ['s3:*', true],
    ['redshift-data:*', true],
    ['kms:GenerateDataKey*', false],
    ['kinesis:GetRecords', false],
  ])('%s → %s', (action, expected) => {
    // Act / Assess
    expect(isWildcardAction(action)).toBe(expected);
  });
});
