import { loadConfig } from '../lib/config';
import { configErrorFor as configError } from './support/config-error';

/** Config from a plain map, the way CDK context hands values over (strings from `-c`). */
const load = (values: Record<string, unknown> = {}) => loadConfig(values);

describe('defaults', () => {
  test('the sandbox profile: 2 x c5n.18xlarge on Batch, on demand, region first AZ', () => {
    const { hpc } = load();
    expect(hpc).toMatchObject({
      profile: 'sandbox',
      scheduler: 'batch',
      instanceType: 'c5n.18xlarge',
      nodes: 2,
      purchaseOption: 'on-demand',
      availabilityZone: undefined,
    });
    expect(hpc.instance.maxEfaInterfaces).toBe(1);
  });

  test.each([
    ['cfd', 'hpc7a.96xlarge', 16],
    ['ml', 'p5.48xlarge', 2],
  ])('profile %s is %s x %i', (profile, instanceType, nodes) => {
    expect(load({ 'hpc.profile': profile }).hpc).toMatchObject({ profile, instanceType, nodes });
  });
});

describe('overrides', () => {
  test('hpc.instanceType and hpc.nodes override the profile, from -c strings or cdk.json numbers', () => {
    expect(load({ 'hpc.profile': 'ml', 'hpc.nodes': '4' }).hpc).toMatchObject({ instanceType: 'p5.48xlarge', nodes: 4 });
    expect(load({ 'hpc.instanceType': 'hpc7g.16xlarge', 'hpc.nodes': 8 }).hpc).toMatchObject({
      instanceType: 'hpc7g.16xlarge',
      nodes: 8,
    });
  });

  test('static scheduler may use Spot', () => {
    expect(load({ 'hpc.scheduler': 'static', 'hpc.purchaseOption': 'spot' }).hpc.purchaseOption).toBe('spot');
  });

  test('one AZ name is accepted', () => {
    expect(load({ 'hpc.availabilityZone': 'eu-central-1b' }).hpc.availabilityZone).toBe('eu-central-1b');
    expect(load({ 'hpc.availabilityZone': 'us-gov-west-1a' }).hpc.availabilityZone).toBe('us-gov-west-1a');
  });
});

describe('validation errors name the key, the value and what is valid', () => {
  test('an instance type without EFA names it, says EFA, and suggests EFA types of its family', () => {
    const error = configError({ 'hpc.instanceType': 'm5.large' });
    expect(error.key).toBe('hpc.instanceType');
    expect(error.message).toContain('m5.large');
    expect(error.message).toContain('EFA');
    expect(error.message).toContain('m5n.24xlarge');
  });

  test('an instance type without EFA suggests EFA types of its generation, in one short line', () => {
    const { message } = configError({ 'hpc.instanceType': 'r7i.16xlarge' });
    expect(message).toContain('EFA types close to it: r7i.48xlarge, r7iz.32xlarge, r7a.48xlarge, r7g.16xlarge');
    expect(message.length).toBeLessThan(260);
  });

  test('a malformed instance type name', () => {
    expect(configError({ 'hpc.instanceType': 'big box' }).message).toMatch(/hpc.instanceType="big box": must be an EC2 instance type name/);
  });

  test.each([['1'], [1], ['0'], ['two'], ['2.5'], ['1025'], ['']])('nodes %p', (nodes) => {
    const error = configError({ 'hpc.nodes': nodes });
    expect(error.key).toBe('hpc.nodes');
    expect(error.message).toContain('from 2 to 1024');
  });

  test('a second AZ, on the command line or as a cdk.json list', () => {
    for (const zones of ['us-east-1a,us-east-1b', 'us-east-1a us-east-1b', ['us-east-1a', 'us-east-1b']]) {
      const error = configError({ 'hpc.availabilityZone': zones });
      expect(error.key).toBe('hpc.availabilityZone');
      expect(error.message).toMatch(/exactly one Availability Zone, not 2/);
    }
  });

  test.each([['us-east-1'], ['useast1a'], ['use1-az1'], ['US-EAST-1A']])('a malformed AZ name %p', (zone) => {
    expect(configError({ 'hpc.availabilityZone': zone }).message).toMatch(/must be one Availability Zone name such as us-east-1a/);
  });

  test('Spot with Batch multi-node parallel jobs', () => {
    const error = configError({ 'hpc.purchaseOption': 'spot' });
    expect(error.key).toBe('hpc.purchaseOption');
    expect(error.message).toMatch(/multi-node parallel jobs cannot run on Spot/);
  });

  test('an unknown profile lists the profiles', () => {
    expect(configError({ 'hpc.profile': 'huge' }).message).toBe('Invalid config hpc.profile="huge": must be one of sandbox, cfd, ml');
  });

  test('an unknown scheduler lists the schedulers', () => {
    expect(configError({ 'hpc.scheduler': 'pbs' }).message).toBe('Invalid config hpc.scheduler="pbs": must be one of batch, slurm, static');
  });

  test('an unknown purchase option lists the options', () => {
    expect(configError({ 'hpc.scheduler': 'static', 'hpc.purchaseOption': 'reserved' }).message).toContain(
      'must be one of on-demand, spot',
    );
  });

  test('more than 1,000 nodes on AWS Batch (one multi-node parallel job), in one line', () => {
    const error = configError({ 'hpc.nodes': '1024' });
    expect(error.key).toBe('hpc.nodes');
    expect(error.message).toBe(
      'Invalid config hpc.nodes="1024": AWS Batch runs at most 1000 nodes in one multi-node parallel job; use 1000 or fewer, or hpc.scheduler=slurm or static',
    );
  });

  test('more nodes than the cluster subnet has addresses for, saying how many fit', () => {
    expect(configError({ 'hpc.profile': 'ml', 'hpc.nodes': '1000' }).message).toMatch(/takes 33 addresses .* at most 123 nodes fit$/);
    expect(configError({ 'hpc.profile': 'ml', 'hpc.nodes': 200, 'hpc.scheduler': 'static' }).message).toMatch(/at most 127 nodes fit$/);
  });

  test.each([['ami-123'], ['ami-0123456789ABCDEF0'], ['0123456789abcdef0'], ['ami-0123456789abcdef0 ami-0123456789abcdef1']])(
    'a malformed AMI id %p',
    (amiId) => {
      expect(configError({ 'hpc.amiId': amiId }).message).toContain('must be an AMI id such as ami-0123456789abcdef0');
    },
  );
});

describe('hpc.amiId', () => {
  test('unset by default: AWS Batch picks its ECS AMI, the static cluster resolves one from SSM', () => {
    expect(load().hpc.amiId).toBeUndefined();
  });

  test.each([['ami-0123456789abcdef0'], ['ami-12345678']])('%s is accepted', (amiId) => {
    expect(load({ 'hpc.amiId': amiId }).hpc.amiId).toBe(amiId);
  });
});

describe('hpc.scheduler=slurm (AWS PCS)', () => {
  test('defaults: a SMALL cluster on Slurm 25.11, Lustre at /fsx (1200 GiB), the PCS sample AMI', () => {
    const { hpc } = load({ 'hpc.scheduler': 'slurm' });
    expect(hpc).toMatchObject({ scheduler: 'slurm', slurm: { clusterSize: 'SMALL', slurmVersion: '25.11' }, lustre: { sizeGiB: 1200 } });
    expect(hpc.amiId).toBeUndefined();
    expect(hpc.lustre!.dataRepositoryPath).toBeUndefined();
  });

  test('size and version from -c strings or cdk.json values; Spot is allowed', () => {
    expect(load({ 'hpc.scheduler': 'slurm', 'hpc.pcsSize': 'MEDIUM', 'hpc.slurmVersion': '24.11' }).hpc.slurm).toEqual({
      clusterSize: 'MEDIUM',
      slurmVersion: '24.11',
    });
    expect(load({ 'hpc.scheduler': 'slurm', 'hpc.slurmVersion': 25.05 }).hpc.slurm!.slurmVersion).toBe('25.05');
    expect(load({ 'hpc.scheduler': 'slurm', 'hpc.purchaseOption': 'spot' }).hpc.purchaseOption).toBe('spot');
  });

  test('a size PCS does not have lists the sizes', () => {
    expect(configError({ 'hpc.scheduler': 'slurm', 'hpc.pcsSize': 'small' }).message).toBe(
      'Invalid config hpc.pcsSize="small": must be one of SMALL, MEDIUM, LARGE',
    );
  });

  test('a Slurm version PCS does not offer lists the versions', () => {
    expect(configError({ 'hpc.scheduler': 'slurm', 'hpc.slurmVersion': '23.02' }).message).toBe(
      'Invalid config hpc.slurmVersion="23.02": must be one of 24.11, 25.05, 25.11',
    );
  });

  test.each([
    ['SMALL', 31, 32, 'MEDIUM'],
    ['MEDIUM', 511, 512, 'LARGE'],
  ])('%s holds %i compute nodes besides the login node; %i is refused in one line naming a bigger size', (size, fits, refused, bigger) => {
    const context = { 'hpc.scheduler': 'slurm', 'hpc.pcsSize': size, 'hpc.instanceType': 'c6in.32xlarge' };
    expect(load({ ...context, 'hpc.nodes': String(fits) }).hpc.nodes).toBe(fits);
    const { message, key } = configError({ ...context, 'hpc.nodes': String(refused) });
    expect(key).toBe('hpc.nodes');
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain(`at most ${fits + 1} compute nodes, the login node included: use ${fits} or fewer, or hpc.pcsSize=${bigger}`);
  });

  test('LARGE: 2048 compute nodes, more than 1024 is already out of hpc.nodes range', () => {
    expect(
      load({ 'hpc.scheduler': 'slurm', 'hpc.pcsSize': 'LARGE', 'hpc.instanceType': 'c6in.32xlarge', 'hpc.nodes': '1024' }).hpc.nodes,
    ).toBe(1024);
  });

  test.each([
    ['hpc.pcsSize', 'MEDIUM'],
    ['hpc.slurmVersion', '25.11'],
  ])('%s without hpc.scheduler=slurm is refused', (key, value) => {
    expect(configError({ [key]: value }).message).toBe(
      `Invalid config ${key}="${value}": applies to AWS PCS only: set hpc.scheduler=slurm, or leave ${key} unset`,
    );
  });
});

describe('hpc.sharedStorage (FSx for Lustre at /fsx)', () => {
  test.each([['batch'], ['static']])('%s: none by default, lustre on request', (scheduler) => {
    expect(load({ 'hpc.scheduler': scheduler }).hpc.lustre).toBeUndefined();
    expect(load({ 'hpc.scheduler': scheduler, 'hpc.sharedStorage': 'lustre' }).hpc.lustre).toEqual({ sizeGiB: 1200 });
  });

  test('slurm: lustre by default, none on request', () => {
    expect(load({ 'hpc.scheduler': 'slurm', 'hpc.sharedStorage': 'none' }).hpc.lustre).toBeUndefined();
  });

  test.each([[1200], ['2400'], [4800], ['12000']])('SCRATCH_2 capacity %p is accepted', (size) => {
    expect(load({ 'hpc.sharedStorage': 'lustre', 'hpc.lustreSizeGiB': size }).hpc.lustre!.sizeGiB).toBe(Number(size));
  });

  test.each([['1000'], ['3600'], ['0'], ['-2400'], ['1.2TB'], [1300]])('capacity %p is refused, naming the steps', (size) => {
    expect(configError({ 'hpc.sharedStorage': 'lustre', 'hpc.lustreSizeGiB': size }).message).toMatch(
      /^Invalid config hpc\.lustreSizeGiB=.*: must be 1200, 2400 or a multiple of 2400 \(the capacities FSx for Lustre SCRATCH_2 takes\), such as 4800$/,
    );
  });

  test.each([
    ['my-hpc-data', 's3://my-hpc-data/'],
    ['s3://my-hpc-data', 's3://my-hpc-data/'],
    ['my-hpc-data/project-a', 's3://my-hpc-data/project-a/'],
    ['s3://my.hpc-data/a/b/', 's3://my.hpc-data/a/b/'],
  ])('hpc.lustreBucket %p links %s', (bucket, path) => {
    expect(load({ 'hpc.scheduler': 'slurm', 'hpc.lustreBucket': bucket }).hpc.lustre!.dataRepositoryPath).toBe(path);
  });

  test.each([['My_Bucket'], ['ab'], ['192.168.1.1'], ['my..bucket'], ['bucket//prefix'], ['-bucket']])('bucket %p is refused', (bucket) => {
    expect(configError({ 'hpc.scheduler': 'slurm', 'hpc.lustreBucket': bucket }).message).toContain(
      'must be an S3 bucket name, optionally with a key prefix, such as my-hpc-data or my-hpc-data/project-a',
    );
  });

  test.each([
    ['hpc.lustreSizeGiB', '2400'],
    ['hpc.lustreBucket', 'my-hpc-data'],
  ])('%s without Lustre is refused', (key, value) => {
    expect(configError({ [key]: value }).message).toBe(
      `Invalid config ${key}="${value}": needs a Lustre file system: set hpc.sharedStorage=lustre, or leave ${key} unset`,
    );
    expect(configError({ 'hpc.scheduler': 'slurm', 'hpc.sharedStorage': 'none', [key]: value }).key).toBe(key);
  });

  test('an unknown kind lists the kinds', () => {
    expect(configError({ 'hpc.sharedStorage': 'efs' }).message).toBe('Invalid config hpc.sharedStorage="efs": must be one of lustre, none');
  });
});

describe('edge.*', () => {
  test('defaults: Lambda@Edge, PriceClass_All (every routed country served from nearby edges), no WAF, no custom domain', () => {
    expect(load().edge).toEqual({ mode: 'lambda-edge', priceClass: 'PriceClass_All', webAclArn: undefined, customDomain: undefined });
  });

  test('a custom domain needs both the name and a us-east-1 certificate', () => {
    const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
    expect(load({ 'edge.domainName': 'ads.example.com', 'edge.certificateArn': certificateArn }).edge.customDomain).toEqual({
      domainName: 'ads.example.com',
      certificateArn,
    });
    expect(configError({ 'edge.domainName': 'ads.example.com' }).message).toMatch(
      /edge\.certificateArn=\(not set\): is required when edge\.domainName is set/,
    );
    expect(configError({ 'edge.certificateArn': certificateArn }).message).toMatch(
      /edge\.domainName=\(not set\): is required when edge\.certificateArn is set/,
    );
    expect(
      configError({ 'edge.domainName': 'ads.example.com', 'edge.certificateArn': certificateArn.replace('us-east-1', 'eu-west-1') })
        .message,
    ).toMatch(/an ACM certificate ARN in us-east-1/);
  });

  test.each([['Ads.Example.com'], ['-ads.example.com'], ['ads'], ['ads..example.com']])('a malformed domain name %p', (domainName) => {
    expect(configError({ 'edge.domainName': domainName }).key).toBe('edge.domainName');
  });

  test('a web ACL must be a global (CLOUDFRONT scope) WAFv2 ARN', () => {
    const webAclArn = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/ads/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
    expect(load({ 'edge.webAclArn': webAclArn }).edge.webAclArn).toBe(webAclArn);
    expect(configError({ 'edge.webAclArn': webAclArn.replace('global', 'regional') }).message).toMatch(/scope CLOUDFRONT/);
  });

  test.each([['lambda-edge'], ['cloudfront-function'], ['keyvaluestore']])('edge.mode=%s is valid', (mode) => {
    expect(load({ 'edge.mode': mode }).edge.mode).toBe(mode);
  });

  test.each([['PriceClass_100'], ['PriceClass_200']])('a narrower price class (%s) can still be chosen', (priceClass) => {
    expect(load({ 'edge.priceClass': priceClass }).edge.priceClass).toBe(priceClass);
  });

  test('unknown mode and price class list the valid values', () => {
    expect(configError({ 'edge.mode': 'edge-worker' }).message).toBe(
      'Invalid config edge.mode="edge-worker": must be one of lambda-edge, cloudfront-function, keyvaluestore',
    );
    expect(configError({ 'edge.priceClass': 'cheap' }).message).toContain('must be one of PriceClass_100, PriceClass_200, PriceClass_All');
  });
});

describe('workers.*', () => {
  test('defaults: Lambda, 5 receives, 300 s latency goal at 2 s per job, 60 s job timeout, 10 workers', () => {
    expect(load().workers).toEqual({
      compute: 'lambda',
      maxReceiveCount: 5,
      maxLatencySeconds: 300,
      avgProcessingSeconds: 2,
      jobTimeoutSeconds: 60,
      maxWorkers: 10,
      fargateSpotPercent: 50,
      ec2InstanceTypes: ['m7g.large', 'm6g.large', 'c7g.large', 'c6g.large', 'r6g.large'],
      ec2Architecture: 'arm64',
      ec2PollersPerInstance: { 'm7g.large': 2, 'm6g.large': 2, 'c7g.large': 2, 'c6g.large': 2, 'r6g.large': 2 },
      ec2OnDemandBase: 0,
    });
  });

  test('EC2 pollers per instance (the group weights) follow the size: medium 1, large 2, xlarge 4, Nxlarge 4N', () => {
    expect(
      load({ 'workers.ec2InstanceTypes': 'm7g.medium,c7g.large,r7g.xlarge,m7g.4xlarge', 'workers.maxWorkers': '64' }).workers
        .ec2PollersPerInstance,
    ).toEqual({
      'm7g.medium': 1,
      'c7g.large': 2,
      'r7g.xlarge': 4,
      'm7g.4xlarge': 16,
    });
  });

  test('an On-Demand base, in pollers', () => {
    expect(load({ 'workers.ec2OnDemandBase': '4' }).workers.ec2OnDemandBase).toBe(4);
  });

  test('maxReceiveCount below 5 is fine for the pollers, which dead-letter poison themselves', () => {
    expect(load({ 'workers.compute': 'fargate', 'workers.maxReceiveCount': '3' }).workers.maxReceiveCount).toBe(3);
  });

  test('instance types from the command line or a cdk.json list', () => {
    expect(load({ 'workers.ec2InstanceTypes': 'c7g.large,m7g.large' }).workers.ec2InstanceTypes).toEqual(['c7g.large', 'm7g.large']);
    expect(load({ 'workers.ec2InstanceTypes': ['c7g.large', 'm7g.large'] }).workers.ec2InstanceTypes).toEqual(['c7g.large', 'm7g.large']);
  });

  test.each([
    [{ 'workers.compute': 'k8s' }, 'workers.compute', /must be one of lambda, fargate, ec2/],
    [{ 'workers.maxReceiveCount': '0' }, 'workers.maxReceiveCount', /from 1 to 1000 \(SQS's redrive policy range\)/],
    [{ 'workers.jobTimeoutSeconds': '901' }, 'workers.jobTimeoutSeconds', /from 1 to 900 \(Lambda's maximum function timeout\)/],
    [
      { 'workers.avgProcessingSeconds': '90' },
      'workers.avgProcessingSeconds',
      /from 1 to 60 \(an average job cannot take longer than workers.jobTimeoutSeconds\)/,
    ],
    [
      { 'workers.maxLatencySeconds': '5', 'workers.avgProcessingSeconds': '10' },
      'workers.avgProcessingSeconds',
      /must not exceed workers.maxLatencySeconds \(5\)/,
    ],
    [{ 'workers.maxWorkers': '1' }, 'workers.maxWorkers', /from 2 to 1000/],
    [{ 'workers.maxReceiveCount': '3' }, 'workers.maxReceiveCount', /must be at least 5 with workers.compute=lambda: AWS advises it/],
    [
      { 'workers.compute': 'ec2', 'workers.ec2InstanceTypes': 'm7g.4xlarge,c7g.4xlarge' },
      'workers.maxWorkers',
      /must be at least 32 with these instance types: twice the pollers of the largest one \(16\)/,
    ],
    [
      { 'workers.ec2InstanceTypes': 'm7g.metal,c7g.large' },
      'workers.ec2InstanceTypes',
      /size metal is not one the fleet can count pollers for/,
    ],
    [{ 'workers.ec2OnDemandBase': '11' }, 'workers.ec2OnDemandBase', /must not exceed workers.maxWorkers \(10\)/],
    [{ 'workers.ec2OnDemandBase': '-1' }, 'workers.ec2OnDemandBase', /from 0 to 1000/],
    [{ 'workers.fargateSpotPercent': '101' }, 'workers.fargateSpotPercent', /from 0 to 100/],
    [{ 'workers.ec2InstanceTypes': 'm7g.large' }, 'workers.ec2InstanceTypes', /at least two instance types/],
    [{ 'workers.ec2InstanceTypes': 'm7g.large,big box' }, 'workers.ec2InstanceTypes', /big is not an EC2 instance type name/],
    [{ 'workers.ec2InstanceTypes': 'm7g.large,c7g.large,m7g.large' }, 'workers.ec2InstanceTypes', /lists m7g\.large more than once/],
    [
      { 'workers.ec2InstanceTypes': 'm7g.large,m7i.large,c7g.large' },
      'workers.ec2InstanceTypes',
      /one CPU architecture.*arm64: m7g\.large, c7g\.large; x86_64: m7i\.large/,
    ],
  ])('%p is refused, naming %s', (values, key, message) => {
    const error = configError(values);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
  });
});

describe('unknown keys under hpc., workers. and edge. are refused, naming the closest known key', () => {
  test.each([
    ['hpc.instancetype', 'm5.large', 'hpc.instanceType'],
    ['hpc.node', '16', 'hpc.nodes'],
    ['workers.computer', 'ec2', 'workers.compute'],
    ['workers.maxworkers', '100', 'workers.maxWorkers'],
    ['edge.Mode', 'cloudfront-function', 'edge.mode'],
    ['HPC.nodes', '4', 'hpc.nodes'],
  ])('%s suggests %s', (key, value, suggestion) => {
    const error = configError({ [key]: value });
    expect(error.key).toBe(key);
    expect(error.message).toBe(`Invalid config: unknown key ${key}; did you mean ${suggestion}?`);
  });

  test('a key close to nothing lists the known keys of its namespace', () => {
    expect(configError({ 'edge.origin': 'elsewhere' }).message).toBe(
      'Invalid config: unknown key edge.origin; the known edge.* keys are edge.mode, edge.priceClass, edge.webAclArn, edge.domainName, edge.certificateArn',
    );
  });

  test("keys outside the app's namespaces (CDK feature flags, other tools) are left alone", () => {
    expect(() => load({ '@aws-cdk/core:newStyleStackSynthesis': true, 'aws:cdk:enable-path-metadata': true, hpcnodes: 3 })).not.toThrow();
  });

  test('several problems are reported together, one line each: every unknown key, then each architecture', () => {
    expect(() => load({ 'hpc.node': '4', 'edge.Mode': 'x' })).toThrow(
      'Invalid config: unknown key edge.Mode; did you mean edge.mode?\nInvalid config: unknown key hpc.node; did you mean hpc.nodes?',
    );
    const error = configError({ 'hpc.nodes': '1', 'workers.compute': 'k8s', 'edge.mode': 'x' });
    expect(error.problems.map((problem) => problem.key)).toEqual(['hpc.nodes', 'workers.compute', 'edge.mode']);
    expect(error.message.split('\n')).toHaveLength(3);
  });
});
