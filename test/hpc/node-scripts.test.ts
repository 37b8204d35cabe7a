/**
 * The boot scripts of the HPC nodes and the job image, run for real: bash, gpg, tar and
 * ssh-keygen are the machine's own; only what reaches AWS or changes the machine is a stub on
 * PATH (curl for downloads and the instance metadata service, aws, systemctl, systemd-run,
 * runuser, ssh, ip, logger). Every path a script writes is under a scratch root (HPC_TEST_ROOT).
 * The EFA installer is a small fake, signed by a test GPG key: the real installer is hundreds
 * of MB, and only AWS's key signs it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.join(__dirname, '..', '..');
const AWS_KEY_FINGERPRINT = '4E9091BCBB97A96B26B15E59A05480B1DD2D3CCC';
const VERSION = '1.50.0';
const TARBALL = `aws-efa-installer-${VERSION}.tar.gz`;

let scratch: string;
let stubs: string;
let downloads: string;
let testKeyFingerprint: string;

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) {
  const result = spawnSync(command, args, { env: { ...process.env, ...env }, cwd, encoding: 'utf8' });
  if (result.error) throw result.error;
  return result;
}

function writeExecutable(file: string, text: string) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode: 0o755 });
}

/** Signs a fake installer with a fresh GPG key and lays out the files the installer URL serves. */
function prepareDownloads(signerHome: string, tarballDirectory: string) {
  const installer = path.join(tarballDirectory, 'aws-efa-installer');
  writeExecutable(
    path.join(installer, 'efa_installer.sh'),
    [
      '#!/bin/bash',
      'echo "$*" > "$HPC_TEST_ROOT/installer-args"',
      'mkdir -p "$HPC_TEST_ROOT/opt/amazon/efa/bin"',
      'printf \'#!/bin/bash\\necho "provider: efa"\\nexit ${FAKE_FI_INFO_STATUS:-0}\\n\' > "$HPC_TEST_ROOT/opt/amazon/efa/bin/fi_info"',
      'chmod +x "$HPC_TEST_ROOT/opt/amazon/efa/bin/fi_info"',
      'echo "# EFA installer version: fake" > "$HPC_TEST_ROOT/opt/amazon/efa_installed_packages"',
      '',
    ].join('\n'),
  );
  expect(run('tar', ['-czf', path.join(downloads, TARBALL), '-C', tarballDirectory, 'aws-efa-installer']).status).toBe(0);
  const gpg = (...args: string[]) => run('gpg', ['--batch', '--quiet', ...args], { GNUPGHOME: signerHome });
  expect(gpg('--passphrase', '', '--quick-gen-key', 'EFA test key <efa-test@example.invalid>', 'ed25519', 'sign', 'never').status).toBe(0);
  testKeyFingerprint = gpg('--with-colons', '--list-keys')
    .stdout.split('\n')
    .find((line) => line.startsWith('fpr:'))!
    .split(':')[9];
  fs.writeFileSync(path.join(downloads, 'aws-efa-installer.key'), gpg('--armor', '--export').stdout);
  expect(gpg('--output', path.join(downloads, `${TARBALL}.sig`), '--detach-sign', path.join(downloads, TARBALL)).status).toBe(0);
}

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hpc-node-scripts-'));
  stubs = path.join(scratch, 'stubs');
  downloads = path.join(scratch, 'downloads');
  fs.mkdirSync(downloads, { recursive: true });
  const signerHome = path.join(scratch, 'signer');
  fs.mkdirSync(signerHome, { mode: 0o700 });
  prepareDownloads(signerHome, path.join(scratch, 'installer'));

  const log = 'echo "$(basename "$0") $*" >> "$STUB_LOG"';
  // Downloads come from the downloads folder; the metadata service answers for one instance.
  writeExecutable(
    path.join(stubs, 'curl'),
    `#!/bin/bash\n${log}\nfor arg in "$@"; do\n  case "$arg" in\n` +
      '    */latest/api/token) echo token ;;\n    */meta-data/instance-id) echo i-0123456789abcdef0 ;;\n' +
      '    */meta-data/placement/region) echo eu-west-1 ;;\n    */meta-data/local-ipv4) echo 10.0.16.5 ;;\n' +
      '    https://efa-installer.amazonaws.com/*) cp "$FAKE_DOWNLOADS/${arg##*/}" . || exit 22 ;;\n  esac\ndone\n',
  );
  writeExecutable(
    path.join(stubs, 'aws'),
    `#!/bin/bash\n${log}\ncase "$1 $2" in\n` +
      '  "ssm get-parameter") [ -f "${FAKE_SSM_KEY:-}" ] && cat "$FAKE_SSM_KEY" || { echo "An error occurred (ParameterNotFound) when calling the GetParameter operation" >&2; exit 254; } ;;\n' +
      '  "ec2 describe-instances") printf "10.0.16.5\\t10.0.16.6\\t10.0.16.7\\n" ;;\nesac\n',
  );
  for (const name of ['systemctl', 'systemd-run', 'logger']) writeExecutable(path.join(stubs, name), `#!/bin/bash\n${log}\n`);
  // The Lustre client and mount: dnf "installs" mount.lustre into the scratch root's bin (on
  // PATH after the stubs); mount succeeds unless FAKE_MOUNT_STATUS says otherwise.
  writeExecutable(
    path.join(stubs, 'dnf'),
    `#!/bin/bash\n${log}\nmkdir -p "$HPC_TEST_ROOT/bin" && printf '#!/bin/bash\\n' > "$HPC_TEST_ROOT/bin/mount.lustre" && chmod +x "$HPC_TEST_ROOT/bin/mount.lustre"\n`,
  );
  writeExecutable(path.join(stubs, 'amazon-linux-extras'), `#!/bin/bash\n${log}\n`);
  writeExecutable(path.join(stubs, 'mount'), `#!/bin/bash\n${log}\nexit \${FAKE_MOUNT_STATUS:-0}\n`);
  writeExecutable(path.join(stubs, 'mountpoint'), `#!/bin/bash\n${log}\nexit 1\n`);
  writeExecutable(path.join(stubs, 'runuser'), `#!/bin/bash\n${log}\nwhile [ "$1" != -- ]; do shift; done\nshift\nexec "$@"\n`);
  writeExecutable(
    path.join(stubs, 'ssh'),
    `#!/bin/bash\n${log}\nfor arg in "$@"; do case " $FAKE_READY_HOSTS " in *" $arg "*) exit 0 ;; esac; done\nexit 255\n`,
  );
  writeExecutable(
    path.join(stubs, 'ip'),
    '#!/bin/bash\necho "1: lo    inet 127.0.0.1/8 scope host lo"\necho "2: ens5    inet 10.0.16.5/20 brd 10.0.31.255 scope global ens5"\necho "3: ens6    inet 10.0.16.9/20 brd 10.0.31.255 scope global ens6"\n',
  );
});

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A fresh scratch root and stub log for one run of one script. */
function fresh(name: string) {
  const root = path.join(scratch, name);
  fs.mkdirSync(path.join(root, 'dev'), { recursive: true });
  fs.mkdirSync(path.join(root, 'tmp'), { recursive: true });
  fs.writeFileSync(path.join(root, 'dev', 'console'), '');
  const stubLog = path.join(root, 'stub.log');
  fs.writeFileSync(stubLog, '');
  const read = (file: string) => (fs.existsSync(path.join(root, file)) ? fs.readFileSync(path.join(root, file), 'utf8') : undefined);
  const env = { PATH: `${stubs}:${root}/bin:${process.env.PATH}`, HPC_TEST_ROOT: root, STUB_LOG: stubLog, FAKE_DOWNLOADS: downloads };
  return { root, env, read, calls: () => fs.readFileSync(stubLog, 'utf8') };
}

const script = (file: string) => path.join(REPO, file);

describe('hpc-node/install-efa.sh: the fabric gate', () => {
  test('a download signed by the pinned key installs, passes fi_info, and opens the gate', () => {
    const node = fresh('gate-pass');
    const result = run('bash', [script('hpc-node/install-efa.sh')], {
      ...node.env,
      HPC_TEST_EFA_SIGNING_KEY_FINGERPRINT: testKeyFingerprint,
    });
    expect(result.stderr).toContain(`good signature from ${testKeyFingerprint}`);
    expect(result.status).toBe(0);
    expect(node.read('installer-args')).toBe('-y\n');
    expect(node.read('var/lib/hpc/fabric-ok')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(node.read('dev/console')).toContain('fabric OK');
    // The ECS agent gate was closed before anything else ran, and opens only through the marker.
    expect(node.read('etc/systemd/system/ecs.service.d/10-hpc-fabric-gate.conf')).toContain('ConditionPathExists=/var/lib/hpc/fabric-ok');
    expect(node.calls()).toContain('systemctl daemon-reload');
  });

  test("a download signed by any key but AWS's documented one installs nothing, and the ECS agent stays stopped", () => {
    const node = fresh('gate-wrong-key');
    const result = run('bash', [script('hpc-node/install-efa.sh')], node.env);
    expect(result.status).toBe(1);
    expect(node.read('installer-args')).toBeUndefined();
    expect(node.read('var/lib/hpc/fabric-ok')).toBeUndefined();
    expect(node.read('dev/console')).toContain(
      `FABRIC CHECK FAILED: ${TARBALL} is not signed by the EFA installer key ${AWS_KEY_FINGERPRINT} (signer: ${testKeyFingerprint}); nothing was installed`,
    );
    expect(node.read('dev/console')).toContain('the ECS agent stays stopped: this node never registers with AWS Batch and takes no job');
    expect(node.read('etc/systemd/system/ecs.service.d/10-hpc-fabric-gate.conf')).toContain('ConditionPathExists');
  });

  test('a tampered tarball fails the signature check', () => {
    const node = fresh('gate-tampered');
    const tampered = path.join(scratch, 'tampered');
    fs.cpSync(downloads, tampered, { recursive: true });
    fs.appendFileSync(path.join(tampered, TARBALL), 'x');
    const result = run('bash', [script('hpc-node/install-efa.sh')], {
      ...node.env,
      FAKE_DOWNLOADS: tampered,
      HPC_TEST_EFA_SIGNING_KEY_FINGERPRINT: testKeyFingerprint,
    });
    expect(result.status).toBe(1);
    expect(node.read('dev/console')).toContain('(signer: none); nothing was installed');
    expect(node.read('installer-args')).toBeUndefined();
  });

  test('static: a node whose fi_info finds no EFA device marks itself Unhealthy, so its group replaces it', () => {
    const node = fresh('gate-static-fail');
    const result = run('bash', [script('hpc-node/install-efa.sh')], {
      ...node.env,
      HPC_ON_FABRIC_FAILURE: 'mark-unhealthy',
      HPC_TEST_EFA_SIGNING_KEY_FINGERPRINT: testKeyFingerprint,
      FAKE_FI_INFO_STATUS: '1',
    });
    expect(result.status).toBe(1);
    expect(node.read('var/lib/hpc/fabric-ok')).toBeUndefined();
    expect(node.read('dev/console')).toContain('FABRIC CHECK FAILED: fi_info -p efa sees no EFA device');
    expect(node.calls()).toContain(
      'aws autoscaling set-instance-health --region eu-west-1 --instance-id i-0123456789abcdef0 --health-status Unhealthy --no-should-respect-grace-period',
    );
    expect(node.read('dev/console')).toContain('marked i-0123456789abcdef0 Unhealthy');
    expect(node.read('etc/systemd/system/ecs.service.d/10-hpc-fabric-gate.conf')).toBeUndefined();
  });

  test('an AMI with the EFA software (hpc.amiId, the Deep Learning AMI) downloads nothing', () => {
    const node = fresh('gate-preinstalled');
    writeExecutable(path.join(node.root, 'opt/amazon/efa/bin/fi_info'), '#!/bin/bash\necho "provider: efa"\n');
    fs.writeFileSync(path.join(node.root, 'opt/amazon/efa_installed_packages'), '# EFA installer version: 1.47.0\n');
    const result = run('bash', [script('hpc-node/install-efa.sh')], node.env);
    expect(result.status).toBe(0);
    expect(node.calls()).not.toContain('efa-installer.amazonaws.com');
    expect(node.read('dev/console')).toContain('EFA software already in the AMI (# EFA installer version: 1.47.0): no download');
    expect(node.read('var/lib/hpc/fabric-ok')).toBeDefined();
  });
});

describe('hpc-node/install-efa.sh as an AWS PCS node lifecycle action', () => {
  test('arguments instead of environment; a failed check only exits non-zero, for PCS to terminate the node', () => {
    const node = fresh('gate-pcs-fail');
    writeExecutable(path.join(node.root, 'opt/amazon/efa/bin/fi_info'), '#!/bin/bash\nexit 1\n');
    fs.writeFileSync(path.join(node.root, 'opt/amazon/efa_installed_packages'), '# EFA installer version: 1.47.0\n');
    const result = run('bash', [script('hpc-node/install-efa.sh'), '--on-fabric-failure', 'exit', '--efa-interfaces', '1'], node.env);
    expect(result.status).toBe(1);
    expect(node.read('dev/console')).toContain('FABRIC CHECK FAILED: fi_info -p efa sees no EFA device');
    expect(node.read('dev/console')).toContain(
      'exiting non-zero: AWS PCS terminates a node whose lifecycle action fails, before slurmd starts',
    );
    expect(node.read('etc/systemd/system/ecs.service.d/10-hpc-fabric-gate.conf')).toBeUndefined();
    expect(node.calls()).not.toContain('set-instance-health');
  });

  test('a passing check on the PCS sample AMI (EFA preinstalled) says how many interfaces it expected', () => {
    const node = fresh('gate-pcs-pass');
    writeExecutable(path.join(node.root, 'opt/amazon/efa/bin/fi_info'), '#!/bin/bash\necho "provider: efa"\n');
    fs.writeFileSync(path.join(node.root, 'opt/amazon/efa_installed_packages'), '# EFA installer version: 1.47.0\n');
    const result = run('bash', [script('hpc-node/install-efa.sh'), '--on-fabric-failure', 'exit', '--efa-interfaces', '32'], node.env);
    expect(result.status).toBe(0);
    expect(node.read('dev/console')).toContain('fabric OK: 32 EFA interface(s) expected');
  });
});

describe('hpc-node/mount-lustre.sh: /fsx on every node', () => {
  const args = ['--dns-name', 'fs-0123456789abcdef0.fsx.eu-west-1.amazonaws.com', '--mount-name', 'abcdefgh', '--mount-point', '/fsx'];
  const prepare = (name: string, osRelease: string) => {
    const node = fresh(name);
    fs.mkdirSync(path.join(node.root, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(node.root, 'etc/os-release'), osRelease);
    return node;
  };
  const al2023 = 'NAME="Amazon Linux"\nVERSION="2023"\nID="amzn"\nVERSION_ID="2023"\n';

  test('Amazon Linux 2023: installs lustre-client, mounts with the documented options, keeps it in fstab, opens /fsx to every user', () => {
    const node = prepare('lustre-al2023', al2023);
    const result = run('bash', [script('hpc-node/mount-lustre.sh'), ...args], node.env);
    expect(result.status).toBe(0);
    expect(node.calls()).toContain('dnf install -y lustre-client');
    expect(node.calls()).toContain(
      `mount -t lustre -o relatime,flock fs-0123456789abcdef0.fsx.eu-west-1.amazonaws.com@tcp:/abcdefgh ${node.root}/fsx`,
    );
    expect(node.read('etc/fstab')).toBe(
      'fs-0123456789abcdef0.fsx.eu-west-1.amazonaws.com@tcp:/abcdefgh /fsx lustre defaults,relatime,flock,_netdev 0 0\n',
    );
    expect(fs.statSync(path.join(node.root, 'fsx')).mode & 0o7777).toBe(0o1777);
    expect(node.read('var/lib/hpc/shared-storage-ok')).toMatch(/^\d{4}-/);
    expect(node.read('dev/console')).toContain(
      'shared storage OK: fs-0123456789abcdef0.fsx.eu-west-1.amazonaws.com@tcp:/abcdefgh mounted at /fsx',
    );
  });

  test('Amazon Linux 2 (the PCS sample AMIs before Slurm 25.11): the client from amazon-linux-extras', () => {
    const node = prepare('lustre-al2', 'ID="amzn"\nVERSION_ID="2"\n');
    writeExecutable(path.join(node.root, 'bin/placeholder'), '#!/bin/bash\n');
    run('bash', [script('hpc-node/mount-lustre.sh'), ...args], node.env);
    expect(node.calls()).toContain('amazon-linux-extras install -y lustre');
  });

  test('a client already in the AMI is not installed again; a second run adds no second fstab line', () => {
    const node = prepare('lustre-preinstalled', al2023);
    writeExecutable(path.join(node.root, 'bin/mount.lustre'), '#!/bin/bash\n');
    expect(run('bash', [script('hpc-node/mount-lustre.sh'), ...args], node.env).status).toBe(0);
    expect(run('bash', [script('hpc-node/mount-lustre.sh'), ...args], node.env).status).toBe(0);
    expect(node.calls()).not.toContain('dnf');
    expect(node.read('etc/fstab')!.split('\n').filter(Boolean)).toHaveLength(1);
  });

  test('Batch: the ECS agent waits for the mount; a mount that fails keeps it stopped and says why', () => {
    const node = prepare('lustre-batch-fail', al2023);
    const result = run('bash', [script('hpc-node/mount-lustre.sh'), ...args], {
      ...node.env,
      HPC_ON_STORAGE_FAILURE: 'withhold-ecs-agent',
      FAKE_MOUNT_STATUS: '32',
    });
    expect(result.status).toBe(1);
    expect(node.read('etc/systemd/system/ecs.service.d/20-hpc-shared-storage.conf')).toContain(
      'ConditionPathExists=/var/lib/hpc/shared-storage-ok',
    );
    expect(node.read('dev/console')).toContain(
      'SHARED STORAGE FAILED: could not mount fs-0123456789abcdef0.fsx.eu-west-1.amazonaws.com@tcp:/abcdefgh at /fsx',
    );
    expect(node.read('dev/console')).toContain('the ECS agent stays stopped');
    expect(node.read('var/lib/hpc/shared-storage-ok')).toBeUndefined();
  });

  test('static: a node that cannot mount marks itself Unhealthy', () => {
    const node = prepare('lustre-static-fail', al2023);
    const result = run('bash', [script('hpc-node/mount-lustre.sh'), ...args], {
      ...node.env,
      HPC_ON_STORAGE_FAILURE: 'mark-unhealthy',
      FAKE_MOUNT_STATUS: '1',
    });
    expect(result.status).toBe(1);
    expect(node.calls()).toContain(
      'aws autoscaling set-instance-health --region eu-west-1 --instance-id i-0123456789abcdef0 --health-status Unhealthy',
    );
  });

  test('an OS without a known client install fails in one line, naming it', () => {
    const node = prepare('lustre-unknown-os', 'ID="debian"\nVERSION_ID="12"\n');
    const result = run('bash', [script('hpc-node/mount-lustre.sh'), ...args], node.env);
    expect(result.status).toBe(1);
    expect(node.read('dev/console')).toContain('SHARED STORAGE FAILED: no Lustre client install known for debian 12');
  });

  test('without its arguments it refuses, saying how to call it', () => {
    const node = prepare('lustre-no-args', al2023);
    const result = run('bash', [script('hpc-node/mount-lustre.sh')], node.env);
    expect(result.status).toBe(1);
    expect(node.read('dev/console')).toContain('usage: mount-lustre.sh --dns-name <name> --mount-name <name>');
  });
});

describe('hpc-node/static-node.sh with shared storage', () => {
  test('a node whose /fsx is not mounted does not join', () => {
    const node = fresh('static-no-fsx');
    fs.mkdirSync(path.join(node.root, 'etc/hpc'), { recursive: true });
    fs.mkdirSync(path.join(node.root, 'var/lib/hpc'), { recursive: true });
    fs.writeFileSync(path.join(node.root, 'var/lib/hpc/fabric-ok'), 'now\n');
    fs.writeFileSync(path.join(node.root, 'etc/hpc/cluster.env'), 'CLUSTER_NODES=2\nHPC_SHARED_STORAGE=/fsx\n');
    const result = run('bash', [script('hpc-node/static-node.sh')], node.env);
    expect(result.status).toBe(1);
    expect(node.read('dev/console')).toContain('NOT JOINING the MPI cluster: the shared file system is not mounted at /fsx');
  });
});

describe('hpc-job/install-efa-user-space.sh: the job image build step', () => {
  test('verifies the signature, then installs user space only (no kernel module, no limits file, no device check)', () => {
    const image = fresh('image-pass');
    const result = run('bash', [script('hpc-job/install-efa-user-space.sh')], {
      ...image.env,
      HPC_TEST_EFA_SIGNING_KEY_FINGERPRINT: testKeyFingerprint,
    });
    expect(result.status).toBe(0);
    expect(image.read('installer-args')).toBe('-y --skip-kmod --skip-limit-conf --no-verify\n');
  });

  test('refuses a download not signed by the pinned key', () => {
    const image = fresh('image-wrong-key');
    const result = run('bash', [script('hpc-job/install-efa-user-space.sh')], image.env);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`is not signed by the EFA installer key ${AWS_KEY_FINGERPRINT}`);
    expect(image.read('installer-args')).toBeUndefined();
  });

  test('pins the same installer version and signing key as the node boot script', () => {
    const pins = (file: string) => {
      const text = fs.readFileSync(script(file), 'utf8');
      return [text.match(/EFA_INSTALLER_VERSION=(\S+)/)![1], text.match(/:-([0-9A-F]{40})\}/)![1]];
    };
    expect(pins('hpc-job/install-efa-user-space.sh')).toEqual([VERSION, AWS_KEY_FINGERPRINT]);
    expect(pins('hpc-node/install-efa.sh')).toEqual([VERSION, AWS_KEY_FINGERPRINT]);
  });
});

describe('hpc-node/static-node.sh: a static node joins the MPI cluster', () => {
  const user = os.userInfo().username;
  const home = os.userInfo().homedir;
  const prepare = (name: string, fabricOk: boolean) => {
    const node = fresh(name);
    fs.mkdirSync(path.join(node.root, 'etc/hpc'), { recursive: true });
    fs.writeFileSync(
      path.join(node.root, 'etc/hpc/cluster.env'),
      `CLUSTER_NODES=2\nSLOTS_PER_NODE=36\nHPC_SSH_KEY_PARAMETER=/ec2/keypair/key-0123\nHPC_MPI_USER=${user}\n`,
    );
    if (fabricOk) {
      fs.mkdirSync(path.join(node.root, 'var/lib/hpc'), { recursive: true });
      fs.writeFileSync(path.join(node.root, 'var/lib/hpc/fabric-ok'), 'now\n');
    }
    return node;
  };

  test('with the key in SSM: user key, authorized key, the key as sshd host key and as every peer host key, the MPI interface', () => {
    const node = prepare('static-join', true);
    const key = path.join(scratch, 'cluster_key');
    expect(run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]).status).toBe(0);
    const publicKey = fs.readFileSync(`${key}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    const result = run('bash', [script('hpc-node/static-node.sh')], { ...node.env, FAKE_SSM_KEY: key });
    expect(result.stderr).toContain('joined the MPI cluster as 10.0.16.5 on ens5');
    expect(result.status).toBe(0);
    expect(node.calls()).toContain('aws ssm get-parameter --region eu-west-1 --name /ec2/keypair/key-0123 --with-decryption');
    expect(node.read('etc/ssh/sshd_config.d/00-hpc-cluster.conf')).toBe('HostKey /etc/ssh/hpc_cluster_key\n');
    expect(fs.statSync(path.join(node.root, 'etc/ssh/hpc_cluster_key')).mode & 0o777).toBe(0o600);
    expect(node.read(`${home}/.ssh/authorized_keys`)).toContain(publicKey);
    expect(node.read(`${home}/.ssh/known_hosts`)).toBe(`* ${publicKey}\n`);
    expect(node.read(`${home}/.ssh/config`)).toContain('StrictHostKeyChecking yes');
    expect(fs.statSync(path.join(node.root, home, '.ssh/id_ed25519')).mode & 0o777).toBe(0o600);
    expect(node.read('etc/hpc/cluster.env')).toContain('HPC_MPI_INTERFACE=ens5');
    expect(node.calls()).toContain('systemctl restart sshd');
    expect(node.calls()).toContain('systemd-run --unit=mpi-hostfile /usr/local/bin/mpi-hostfile');
  });

  test('without the key (parameter gone, or the role may not read it): refuses to join, in one line saying why', () => {
    const node = prepare('static-no-key', true);
    const result = run('bash', [script('hpc-node/static-node.sh')], node.env);
    expect(result.status).toBe(1);
    expect(node.read('dev/console')).toBe(
      'hpc-node: NOT JOINING the MPI cluster: cannot read the cluster SSH key from SSM parameter /ec2/keypair/key-0123: ' +
        'An error occurred (ParameterNotFound) when calling the GetParameter operation\n',
    );
    expect(node.calls()).not.toContain('systemd-run');
  });

  test('after a failed fabric check: does not join at all', () => {
    const node = prepare('static-no-fabric', false);
    const result = run('bash', [script('hpc-node/static-node.sh')], node.env);
    expect(result.status).toBe(1);
    expect(node.read('dev/console')).toContain('NOT JOINING the MPI cluster: the fabric check did not pass');
    expect(node.calls()).not.toContain('ssm');
  });
});

describe('hpc-node/mpi-hostfile.sh: the hostfile lists ready nodes only', () => {
  const prepare = (name: string, nodes: number) => {
    const node = fresh(name);
    fs.mkdirSync(path.join(node.root, 'etc/hpc'), { recursive: true });
    fs.writeFileSync(
      path.join(node.root, 'etc/hpc/cluster.env'),
      `CLUSTER_TAG_KEY=hpc-cluster\nCLUSTER_TAG_VALUE=stack-static\nCLUSTER_NODES=${nodes}\nSLOTS_PER_NODE=36\nHPC_MPI_USER=${os.userInfo().username}\n`,
    );
    return node;
  };

  test('a running node whose fabric check has not passed is left out; slots are physical cores', () => {
    const node = prepare('hostfile-ready', 2);
    const result = run('bash', [script('hpc-node/mpi-hostfile.sh')], { ...node.env, FAKE_READY_HOSTS: '10.0.16.5 10.0.16.7' });
    expect(result.status).toBe(0);
    expect(node.read('etc/hpc/hostfile')).toBe('10.0.16.5 slots=36\n10.0.16.7 slots=36\n');
    expect(node.calls()).toContain('ssh -n 10.0.16.6 test -f /var/lib/hpc/fabric-ok');
  });

  test('fewer ready nodes than the cluster has: no hostfile, and the reason', () => {
    const node = prepare('hostfile-short', 3);
    const result = run('bash', [script('hpc-node/mpi-hostfile.sh')], {
      ...node.env,
      FAKE_READY_HOSTS: '10.0.16.5',
      HPC_TEST_HOSTFILE_DEADLINE_SECONDS: '0',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('mpi-hostfile: only 1 of 3 nodes are ready after 0 s\n');
    expect(node.read('etc/hpc/hostfile')).toBeUndefined();
  });
});

test.each([
  'hpc-node/install-efa.sh',
  'hpc-node/static-node.sh',
  'hpc-node/mpi-hostfile.sh',
  'hpc-node/hpc-mpirun.sh',
  'hpc-node/mount-lustre.sh',
  'hpc-job/mnp-run.sh',
  'hpc-job/install-efa-user-space.sh',
  'test/hpc/local-job/run.sh',
  'test/hpc/local-job/ci.sh',
])('%s is valid bash', (file) => {
  expect(run('bash', ['-n', script(file)]).stderr).toBe('');
});
