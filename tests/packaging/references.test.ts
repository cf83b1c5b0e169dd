import { describe, expect, it } from '@jest/globals';
import { exportedNames, importedNames, placeholders } from './references.js';

// A service template as it should package alone: every outside resource imported, every ARN of its
// own account built by Fn::Sub. Each placeholder kind added to it is found, with where it is.

const imported = (name: string) => ({ 'Fn::ImportValue': `streamlens-resources-dev-${name}` });

const deployable = () => ({
  Resources: {
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        ManagedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        Policies: [
          {
            PolicyDocument: {
              Statement: [
                { Action: 'kinesis:GetRecords', Resource: imported('EventsStreamArn') },
                {
                  Action: 's3:PutObject',
                  Resource: { 'Fn::Join': ['', [imported('LakeBucketArn'), '/aggregates/*']] },
                },
                {
                  Action: 'es:ESHttpPost',
                  Resource: {
                    'Fn::Join': ['', ['arn:aws:es:', { Ref: 'AWS::Region' }, ':', 'x']],
                  },
                },
                {
                  Action: 'logs:PutLogEvents',
                  Resource: {
                    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub.
                    'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*',
                  },
                },
              ],
            },
          },
        ],
      },
    },
    Alarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: { AlarmActions: [imported('OperationsTopicArn')] },
    },
  },
});

describe('placeholders', () => {
  it('finds none in a template whose outside references are imports and Fn::Sub', () => {
    // Assess
    expect(placeholders(deployable())).toEqual([]);
  });

  it.each([
    ['a stream ARN in the zero account', 'arn:aws:kinesis:us-east-1:000000000000:stream/s'],
    ['a key ARN of a guessed account', 'arn:aws:kms:us-east-1:123456789012:key/abc'],
    ['a bucket ARN written out', 'arn:aws:s3:::streamlens-dev-lake'],
    ['an object ARN written out', 'arn:aws:s3:::streamlens-dev-lake/events/*'],
    ['the zero account anywhere', 'https://000000000000.example/'],
  ])('finds %s, with where it is', (_, value) => {
    // Prepare
    const template = deployable();
    template.Resources.Alarm.Properties.AlarmActions.push(value as never);

    // Act
    const found = placeholders(template);

    // Assess
    expect(found).toEqual([{ where: 'Resources.Alarm.Properties.AlarmActions[1]', value }]);
  });
});

describe('imports and exports', () => {
  it('lists the distinct export names a template imports, sorted', () => {
    // Act
    const { names, dynamic } = importedNames(deployable());

    // Assess
    expect(names).toEqual([
      'streamlens-resources-dev-EventsStreamArn',
      'streamlens-resources-dev-LakeBucketArn',
      'streamlens-resources-dev-OperationsTopicArn',
    ]);
    expect(dynamic).toEqual([]);
  });

  it('reports an import whose name is computed, which cannot be checked before deploying', () => {
    // Prepare
    const template = {
      Resources: {
        Q: {
          Properties: {
            // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub.
            Arn: { 'Fn::ImportValue': { 'Fn::Sub': '${AWS::StackName}-Arn' } },
          },
        },
      },
    };

    // Act
    const { names, dynamic } = importedNames(template);

    // Assess
    expect(names).toEqual([]);
    expect(dynamic).toEqual([
      {
        where: 'Resources.Q.Properties.Arn',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub.
        value: { 'Fn::Sub': '${AWS::StackName}-Arn' },
      },
    ]);
  });

  it('lists the export names of the outputs that have one', () => {
    // Prepare
    const template = {
      Outputs: {
        B: { Value: 'b', Export: { Name: 'stack-B' } },
        A: { Value: 'a', Export: { Name: 'stack-A' } },
        Plain: { Value: 'p' },
      },
    };

    // Act & Assess
    expect(exportedNames(template)).toEqual(['stack-A', 'stack-B']);
    expect(exportedNames({ Resources: {} })).toEqual([]);
  });
});
