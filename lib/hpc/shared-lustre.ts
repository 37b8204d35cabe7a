import { RemovalPolicy } from 'aws-cdk-lib';
import * as fsx from 'aws-cdk-lib/aws-fsx';
import { Construct } from 'constructs';
import { SHARED_STORAGE_MOUNT_POINT } from '../config/hpc-storage';
import type { EfaFabric } from './efa-fabric';
import { readNodeScript } from './efa-launch-template';

export interface SharedLustreProps {
  /** The subnet and security group the file system joins: the cluster's own. */
  readonly fabric: EfaFabric;
  /** Storage capacity in GiB, one the SCRATCH_2 deployment type takes (checked by lib/config). */
  readonly sizeGiB: number;
  /**
   * `s3://bucket/prefix/` to link to the file system's root, importing and exporting changes.
   * @default - none: scratch storage alone
   */
  readonly dataRepositoryPath?: string;
}

/**
 * The cluster's shared file system: FSx for Lustre, SCRATCH_2, Lustre 2.15, in the cluster's one
 * subnet (so one AZ: no cross-AZ traffic, billed per GB) and its one security group.
 *
 * - Ports: Lustre needs TCP 988 and 1018-1023 between the file servers and every client, or the
 *   file system is not even created (https://docs.aws.amazon.com/fsx/latest/LustreGuide/cannot-create-fs.html).
 *   The file servers join the fabric group, whose all-traffic rules to and from itself cover
 *   both directions; aws-cdk-lib's LustreFileSystem also states TCP 988-1023 from the group.
 * - Version: 2.15, set explicitly. CloudFormation's default is 2.10 for scratch file systems,
 *   and 2.15 is the one AWS recommends for new ones (AWS::FSx::FileSystem FileSystemTypeVersion:
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-fsx-filesystem.html#cfn-fsx-filesystem-filesystemtypeversion).
 * - S3: a data repository association, which FSx supports on 2.12 and 2.15 file systems of every
 *   deployment type except SCRATCH_1 (https://docs.aws.amazon.com/fsx/latest/APIReference/API_CreateDataRepositoryAssociation.html).
 *   The file system's own ImportPath is left unset: it cannot be combined with an association.
 * - Scratch data is not replicated and does not outlive the file system, so the file system is
 *   deleted with the stack; what must last goes to S3, through the association or by copy.
 */
export class SharedLustre extends Construct {
  public readonly fileSystem: fsx.LustreFileSystem;
  public readonly dataRepositoryAssociation?: fsx.CfnDataRepositoryAssociation;
  /** Where every node and job container sees the file system. */
  public readonly mountPoint = SHARED_STORAGE_MOUNT_POINT;

  constructor(scope: Construct, id: string, props: SharedLustreProps) {
    super(scope, id);
    this.fileSystem = new fsx.LustreFileSystem(this, 'FileSystem', {
      vpc: props.fabric.vpc,
      vpcSubnet: props.fabric.subnet,
      securityGroup: props.fabric.securityGroup,
      storageCapacityGiB: props.sizeGiB,
      fileSystemTypeVersion: fsx.FileSystemTypeVersion.V_2_15,
      lustreConfiguration: { deploymentType: fsx.LustreDeploymentType.SCRATCH_2 },
      removalPolicy: RemovalPolicy.DESTROY,
    });

    if (props.dataRepositoryPath !== undefined) {
      this.dataRepositoryAssociation = new fsx.CfnDataRepositoryAssociation(this, 'S3Link', {
        fileSystemId: this.fileSystem.fileSystemId,
        // "/": the bucket (or prefix) is the whole file system; FSx allows "/" only for the
        // first association of a file system (https://docs.aws.amazon.com/fsx/latest/APIReference/API_DataRepositoryAssociation.html).
        fileSystemPath: '/',
        dataRepositoryPath: props.dataRepositoryPath,
        // List the bucket's objects as files at once; their contents load on first read.
        batchImportMetaDataOnCreate: true,
        s3: {
          autoImportPolicy: { events: ['NEW', 'CHANGED', 'DELETED'] },
          autoExportPolicy: { events: ['NEW', 'CHANGED', 'DELETED'] },
        },
      });
    }
  }

  /** The arguments of hpc-node/mount-lustre.sh for this file system. */
  public mountArguments(): string[] {
    return ['--dns-name', this.fileSystem.dnsName, '--mount-name', this.fileSystem.mountName, '--mount-point', this.mountPoint];
  }

  /**
   * A boot script (user data part) that mounts the file system; `onFailure` is what a node that
   * cannot mount does (see hpc-node/mount-lustre.sh).
   */
  public bootScript(onFailure: 'withhold-ecs-agent' | 'mark-unhealthy'): string {
    const quoted = this.mountArguments().map((argument) => `'${argument}'`);
    return [`export HPC_ON_STORAGE_FAILURE=${onFailure}`, `set -- ${quoted.join(' ')}`, readNodeScript('mount-lustre.sh')].join('\n');
  }
}
