/**
 * The EC2 instance scripts, run for real with bash: curl, systemctl and aws are small stand-ins on
 * PATH that answer as IMDSv2, systemd and the AWS CLI would, and record how they were called.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EC2_NODE_SCRIPTS_DIR } from '../../lib/workers/ec2-spot-workers';

interface Machine {
  readonly uptimeSeconds: number;
  readonly lifecycleState: string;
  readonly instanceType: string;
  /** What `systemctl list-units --state=active` prints. */
  readonly activeUnits: string;
}

/** Runs a script of ec2-node/ on a stand-in machine; returns its output and the recorded calls. */
function run(script: string, machine: Machine, env: Record<string, string>): { stdout: string; calls: string[] } {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'ec2-node-'));
  try {
    const bin = path.join(directory, 'bin');
    fs.mkdirSync(bin);
    const calls = path.join(directory, 'calls');
    const stub = (name: string, body: string) =>
      fs.writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >> ${calls}\n${body}\n`, { mode: 0o755 });
    stub(
      'curl',
      `case "$*" in
  *api/token*) echo token ;;
  *target-lifecycle-state*) echo -n '${machine.lifecycleState}' ;;
  *instance-type*) echo -n '${machine.instanceType}' ;;
  *instance-id*) echo -n i-0123456789abcdef0 ;;
  *placement/region*) echo -n eu-west-1 ;;
  *) exit 22 ;;
esac`,
    );
    stub('systemctl', `[ "$1" = list-units ] && printf '%s' '${machine.activeUnits}'; exit 0`);
    stub('aws', 'exit 0');
    stub('nproc', 'echo 4');
    const uptime = path.join(directory, 'uptime');
    fs.writeFileSync(uptime, `${machine.uptimeSeconds}.42 1234.56\n`);
    const stdout = execFileSync('bash', [path.join(EC2_NODE_SCRIPTS_DIR, script)], {
      env: { PATH: `${bin}:/usr/bin:/bin`, UPTIME_FILE: uptime, ...env },
      encoding: 'utf8',
    });
    return { stdout, calls: fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n') : [] };
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

describe('poller-watchdog.sh', () => {
  const env = { WORKER_UNITS: 'thumbnail-worker@*.service', BOOT_BUDGET_SECONDS: '600' };
  const healthy: Machine = {
    uptimeSeconds: 900,
    lifecycleState: 'InService',
    instanceType: 'm7g.large',
    activeUnits: 'thumbnail-worker@1.service loaded active running\n',
  };
  const setHealth = (calls: string[]) => calls.filter((call) => call.startsWith('aws autoscaling set-instance-health'));

  test('after the boot budget, with no worker running, marks its own instance Unhealthy', () => {
    const { stdout, calls } = run('poller-watchdog.sh', { ...healthy, activeUnits: '' }, env);
    expect(setHealth(calls)).toEqual([
      'aws autoscaling set-instance-health --region eu-west-1 --instance-id i-0123456789abcdef0 --health-status Unhealthy',
    ]);
    expect(stdout).toContain('no worker is running 900 s after boot');
  });

  test('leaves a running worker alone', () => {
    expect(setHealth(run('poller-watchdog.sh', healthy, env).calls)).toEqual([]);
  });

  test('does nothing within the boot budget', () => {
    expect(setHealth(run('poller-watchdog.sh', { ...healthy, uptimeSeconds: 120, activeUnits: '' }, env).calls)).toEqual([]);
  });

  test('does nothing while the instance drains (its workers were stopped on purpose)', () => {
    expect(setHealth(run('poller-watchdog.sh', { ...healthy, lifecycleState: 'Terminated', activeUnits: '' }, env).calls)).toEqual([]);
  });
});

describe('start-workers.sh', () => {
  const pollersFile = () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pollers-')), 'pollers');
    fs.writeFileSync(file, 'm7g.large 2\nm7g.xlarge 4\n');
    return file;
  };
  const machine: Machine = { uptimeSeconds: 30, lifecycleState: 'InService', instanceType: 'm7g.xlarge', activeUnits: '' };

  test('starts as many pollers as the group weighs the instance type', () => {
    const { calls, stdout } = run('start-workers.sh', machine, { POLLERS_FILE: pollersFile(), WORKER_UNIT: 'thumbnail-worker' });
    expect(calls.filter((call) => call.startsWith('systemctl'))).toEqual(
      [1, 2, 3, 4].map((index) => `systemctl enable --now thumbnail-worker@${index}.service`),
    );
    expect(stdout).toContain('4 pollers started on m7g.xlarge');
  });

  test('falls back to one per vCPU for a type it has no weight for', () => {
    const { calls } = run(
      'start-workers.sh',
      { ...machine, instanceType: 'c7g.xlarge' },
      { POLLERS_FILE: pollersFile(), WORKER_UNIT: 'thumbnail-worker' },
    );
    expect(calls.filter((call) => call.startsWith('systemctl'))).toHaveLength(4);
  });
});
