/**
 * The snapshots hold summaries of the templates (test/support/template-summary.ts), not the
 * templates. These tests show that a summary still changes, so its snapshot fails, on every
 * meaningful change to a real synthesized template, and stays put on meaningless ones; and that
 * the committed snapshots stay short enough to read.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addHpcClusterStack } from '../../lib/app';
import { synthesizeStack } from '../support/synth';
import { summarizeTemplate, TemplateJson } from '../support/template-summary';

const REPO = path.join(__dirname, '..', '..');

/** The HPC stack's default template: security groups, IAM, instance types, user data, assets. */
let template: TemplateJson;
let summary: string;
beforeAll(() => {
  // The policy gates only add acknowledgement metadata; this file changes that metadata itself.
  template = synthesizeStack(addHpcClusterStack, {}, { policyGates: false }).template.toJSON();
  summary = summarizeTemplate(template);
});

/** The properties of the one resource of `type` whose logical id starts with `prefix`. */
function propertiesOf(copy: TemplateJson, type: string, prefix = ''): Record<string, any> {
  return resourceOf(copy, type, prefix)[1].Properties;
}

function resourceOf(copy: TemplateJson, type: string, prefix = ''): [string, TemplateJson] {
  const found = Object.entries(copy.Resources as Record<string, TemplateJson>).filter(
    ([id, resource]) => resource.Type === type && id.startsWith(prefix),
  );
  if (found.length !== 1) throw new Error(`expected one ${type} starting with "${prefix}", found ${found.length}`);
  return found[0];
}

/** Every string in `value` with `from` replaced by `to`, in place; fails when none held it. */
function replaceInStrings(value: any, from: string, to: string): void {
  let replaced = 0;
  const visit = (node: any): any => {
    if (typeof node === 'string' && node.includes(from)) {
      replaced++;
      return node.split(from).join(to);
    }
    if (node !== null && typeof node === 'object') for (const key of Object.keys(node)) node[key] = visit(node[key]);
    return node;
  };
  visit(value);
  if (replaced === 0) throw new Error(`no string holds ${from}`);
}

/** The summary of a changed copy of the template, as the lines the change added. */
function linesAddedBy(change: (copy: TemplateJson) => void): string[] {
  const copy = structuredClone(template);
  change(copy);
  const before = new Set(summary.split('\n'));
  return summarizeTemplate(copy)
    .split('\n')
    .filter((line) => !before.has(line));
}

describe('a meaningful change to the template changes its summary, on a line that shows it', () => {
  const cases: [string, (copy: TemplateJson) => void, string][] = [
    [
      'a security group opened to 0.0.0.0/0',
      (copy) => {
        const rule = propertiesOf(copy, 'AWS::EC2::SecurityGroupIngress', 'FabricSecurityGroup');
        delete rule.SourceSecurityGroupId;
        rule.CidrIp = '0.0.0.0/0';
      },
      'CidrIp: 0.0.0.0/0',
    ],
    [
      'an IAM action widened to *',
      (copy) => {
        propertiesOf(copy, 'AWS::IAM::Policy', 'BatchJobRoleDefaultPolicy').PolicyDocument.Statement[0].Action = '*';
      },
      '- Allow * on arn:<AWS::Partition>:ssm:',
    ],
    [
      'an IAM resource widened to *',
      (copy) => {
        propertiesOf(copy, 'AWS::IAM::Policy', 'BatchJobRoleDefaultPolicy').PolicyDocument.Statement[0].Resource = '*';
      },
      'ssm:GetParameters on *',
    ],
    [
      'another instance type',
      (copy) => {
        propertiesOf(copy, 'AWS::Batch::ComputeEnvironment').ComputeResources.InstanceTypes = ['c5n.9xlarge'];
      },
      'InstanceTypes: [c5n.9xlarge]',
    ],
    [
      'more nodes',
      (copy) => {
        propertiesOf(copy, 'AWS::Batch::JobDefinition').NodeProperties.NumNodes = 3;
      },
      'NumNodes: 3',
    ],
    [
      'an unencrypted root volume',
      (copy) => {
        propertiesOf(copy, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.BlockDeviceMappings[0].Ebs.Encrypted = false;
      },
      'Encrypted: false',
    ],
    [
      'a log group without its KMS key',
      (copy) => {
        delete propertiesOf(copy, 'AWS::Logs::LogGroup', 'BatchJobLogs').KmsKeyId;
      },
      'BatchJobLogs',
    ],
    [
      'IMDSv1 allowed',
      (copy) => {
        propertiesOf(copy, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.MetadataOptions.HttpTokens = 'optional';
      },
      'HttpTokens: optional',
    ],
    [
      'a public IP on the nodes',
      (copy) => {
        propertiesOf(copy, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.NetworkInterfaces[0].AssociatePublicIpAddress = true;
      },
      'AssociatePublicIpAddress: true',
    ],
    [
      'one line of the user data script',
      (copy) =>
        replaceInStrings(propertiesOf(copy, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.UserData, 'fi_info -p efa', 'fi_info -p tcp'),
      'UserData: (text: ',
    ],
    [
      'a reference to another resource',
      (copy) => {
        const [placementGroup] = resourceOf(copy, 'AWS::EC2::PlacementGroup');
        propertiesOf(copy, 'AWS::Batch::JobQueue').ComputeEnvironmentOrder[0].ComputeEnvironment = {
          'Fn::GetAtt': [placementGroup, 'Arn'],
        };
      },
      'ComputeEnvironment: <FabricPlacementGroup',
    ],
    [
      'a new logical id (CloudFormation replaces the resource)',
      (copy) => {
        const [id, resource] = resourceOf(copy, 'AWS::EC2::PlacementGroup');
        delete copy.Resources[id];
        copy.Resources.FabricPlacementGroupMoved = resource;
      },
      'FabricPlacementGroupMoved: {Strategy: cluster}',
    ],
    [
      'a retained resource',
      (copy) => {
        resourceOf(copy, 'AWS::Logs::LogGroup', 'BatchJobLogs')[1].DeletionPolicy = 'Retain';
      },
      'DeletionPolicy: Retain',
    ],
    [
      'another output value',
      (copy) => {
        const [name] = Object.keys(copy.Outputs).sort();
        copy.Outputs[name].Value = 'changed';
      },
      ': changed',
    ],
    [
      'one more acknowledged rule',
      (copy) => {
        resourceOf(copy, 'AWS::EC2::LaunchTemplate')[1].Metadata = {
          cdk_nag: { rules_to_suppress: [{ id: 'AwsSolutions::AwsSolutions-EC29', reason: 'a new acknowledgement' }] },
        };
      },
      'Acknowledged: AwsSolutions-EC29',
    ],
  ];

  test.each(cases)('%s', (_name, change, shown) => {
    const added = linesAddedBy(change);
    expect(added.length).toBeGreaterThan(0);
    expect(added.join('\n')).toContain(shown);
  });
});

describe('a meaningless change leaves the summary as it was', () => {
  const otherHash = crypto.createHash('sha256').update('another build of every asset').digest('hex');
  const cases: [string, (copy: TemplateJson) => void][] = [
    [
      'every asset hash (another bundle, image or toolchain)',
      (copy) => {
        const rehashed = JSON.parse(JSON.stringify(copy).replace(/[0-9a-f]{64}/g, otherHash));
        for (const key of Object.keys(copy)) copy[key] = rehashed[key];
      },
    ],
    [
      'tags and descriptions',
      (copy) => {
        for (const resource of Object.values(copy.Resources as Record<string, TemplateJson>)) {
          resource.Properties = { ...resource.Properties, Tags: [{ Key: 'Name', Value: 'renamed' }] };
          if (resource.Properties.Description !== undefined) resource.Properties.Description = 'reworded';
        }
      },
    ],
    [
      'the order of keys in every object',
      (copy) => {
        const reversed = (node: any): any => {
          if (Array.isArray(node)) return node.map(reversed);
          if (node === null || typeof node !== 'object') return node;
          return Object.fromEntries(
            Object.keys(node)
              .reverse()
              .map((key) => [key, reversed(node[key])]),
          );
        };
        copy.Resources = reversed(copy.Resources);
      },
    ],
    [
      'the reason of an acknowledgement and CDK metadata',
      (copy) => {
        for (const resource of Object.values(copy.Resources as Record<string, TemplateJson>)) {
          const acknowledged = resource.Metadata?.cdk_nag?.rules_to_suppress ?? [];
          resource.Metadata = {
            'aws:cdk:path': 'HpcClusterStack/Somewhere/Else',
            cdk_nag: { rules_to_suppress: acknowledged.map(({ id }: { id: string }) => ({ id, reason: 'reworded' })) },
          };
        }
      },
    ],
  ];

  test.each(cases)('%s', (_name, change) => {
    expect(linesAddedBy(change)).toEqual([]);
  });
});

test('the summary depends on the template only: the same text twice, no path or time of this machine', () => {
  expect(summarizeTemplate(structuredClone(template))).toBe(summary);
  for (const local of [REPO, os.tmpdir() + path.sep, os.homedir() + path.sep, 'cdk-test-']) expect(summary).not.toContain(local);
  expect(summary).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/); // an ISO time
});

test('references read as logical ids, scripts as a line count and hash', () => {
  const summaryOf = (resources: TemplateJson) => summarizeTemplate({ Resources: resources });
  const lines = summaryOf({
    Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
    Reader: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'generated',
        PolicyDocument: {
          Statement: [
            { Effect: 'Allow', Action: ['sqs:ReceiveMessage'], Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
            {
              Effect: 'Deny',
              Action: 'sqs:*',
              Resource: '*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
        Roles: [{ Ref: 'Role' }],
      },
    },
    Script: {
      Type: 'AWS::EC2::LaunchTemplate',
      Properties: { LaunchTemplateData: { UserData: { 'Fn::Base64': { 'Fn::Sub': '#!/bin/bash\necho ${Queue}\nexit 0\n' } } } },
    },
  }).split('\n');
  expect(lines).toEqual([
    'Resources (3):',
    '  AWS::EC2::LaunchTemplate',
    expect.stringMatching(/^ {4}Script: \{LaunchTemplateData: \{UserData: \(text: 4 lines, sha256 [0-9a-f]{12}; references <Queue>\)\}\}$/),
    '  AWS::IAM::Policy',
    '    Reader:',
    '      PolicyDocument:',
    '        - Allow sqs:ReceiveMessage on <Queue.Arn>',
    '        - Deny sqs:* on * to AWS * if {Bool: {aws:SecureTransport: "false"}}',
    '      Roles: [<Role>]',
    '  AWS::SQS::Queue',
    '    Queue: {}',
  ]);
});

test('items that differ only in a counting number read as one item: an EFA interface per network card', () => {
  const devices = Array.from({ length: 32 }, (_, index) => ({ HostPath: `/dev/infiniband/uverbs${index}` }));
  const written = summarizeTemplate({ Resources: { Job: { Type: 'AWS::Batch::JobDefinition', Properties: { Devices: devices } } } });
  expect(written).toContain('- (32 items) {HostPath: /dev/infiniband/uverbs0..31}');
  // A gap breaks the run: nothing is hidden.
  devices.splice(10, 1);
  expect(summarizeTemplate({ Resources: { Job: { Type: 'AWS::Batch::JobDefinition', Properties: { Devices: devices } } } })).toContain(
    'uverbs0..9}\n        - (21 items) {HostPath: /dev/infiniband/uverbs11..31}',
  );
});

describe('the committed snapshots', () => {
  const snapshotFiles = (directory: string): string[] =>
    fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) return snapshotFiles(full);
      return entry.name.endsWith('.snap') && path.basename(directory) === '__snapshots__' ? [full] : [];
    });
  const files = snapshotFiles(path.join(REPO, 'test'));

  test('total under 3,000 lines', () => {
    expect(files.length).toBeGreaterThan(0);
    const lines = files.reduce((total, file) => total + (fs.readFileSync(file, 'utf8').match(/\n/g) ?? []).length, 0);
    expect(lines).toBeLessThan(3000);
  });

  test('hold summaries, not raw templates', () => {
    for (const file of files) expect(fs.readFileSync(file, 'utf8')).not.toMatch(/"(Fn::GetAtt|Fn::Join|Ref)": /);
  });
});
