/**
 * The script npm run smoke runs on a Slurm cluster's login node (tools/smoke/hpc/slurm-smoke-job.sh),
 * run here for real in the exact form SSM Run Command gets it (the `commands` lines, through
 * /bin/sh), with srun, squeue, scancel, runuser, hostname and fi_info as stubs: there is no Slurm
 * controller, PCS login node or EFA device on this machine.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSlurmJobOutput, SLURM_JOB_SCRIPT, slurmJobCommands } from '../../../tools/smoke/hpc/slurm-job';

test('shellcheck passes (install it with apt-get install shellcheck; .ci/run does)', () => {
  const result = spawnSync('shellcheck', ['--shell=bash', SLURM_JOB_SCRIPT], { encoding: 'utf8' });
  if (result.error) throw new Error(`shellcheck is not installed: apt-get install shellcheck (${result.error.message})`);
  expect(result.stdout).toBe('');
  expect(result.status).toBe(0);
});

test('the commands carry the file byte for byte and take only plain words as arguments', () => {
  const commands = slurmJobCommands(['run', 'efa', '2', 'smoke-20260115t120000-abc123', '3600']);
  const start = commands.indexOf('cat > "$script" <<\'SMOKE_JOB_SCRIPT_END\'') + 1;
  const end = commands.indexOf('SMOKE_JOB_SCRIPT_END');
  expect(`${commands.slice(start, end).join('\n')}\n`).toBe(fs.readFileSync(SLURM_JOB_SCRIPT, 'utf8'));
  expect(commands).toContain('bash "$script" run efa 2 smoke-20260115t120000-abc123 3600');
  expect(() => slurmJobCommands(['run', 'efa; rm -rf /'])).toThrow(/not a plain word/);
});

describe('run on a stand-in login node', () => {
  let scratch: string;
  let stubs: string;
  let pcsRoot: string;
  const calls = () => fs.readFileSync(path.join(scratch, 'calls.log'), 'utf8').trim().split('\n').filter(Boolean);
  const write = (file: string, text: string) => fs.writeFileSync(file, text, { mode: 0o755 });

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'slurm-smoke-job-'));
    stubs = path.join(scratch, 'bin');
    pcsRoot = path.join(scratch, 'pcs');
    fs.mkdirSync(stubs);
    fs.mkdirSync(path.join(scratch, 'tmp'));
    fs.writeFileSync(path.join(scratch, 'calls.log'), '');
    const record = `echo "$(basename "$0") $*" >> "${scratch}/calls.log"`;
    // runuser -u <user> -- command...: runs the command (the tests run as whoever runs jest).
    write(path.join(stubs, 'runuser'), `#!/bin/bash\n${record}\nshift 3\nexec "$@"\n`);
    // srun: one task per node (--nodes=N), each a "node" of its own name, unless told to fail.
    write(
      path.join(stubs, 'srun'),
      `#!/bin/bash\n${record}\n[ -n "\${FAKE_SRUN_STATUS:-}" ] && { echo "srun: error: Unable to allocate resources" >&2; exit "$FAKE_SRUN_STATUS"; }\n` +
        'nodes=1; for arg in "$@"; do case "$arg" in --nodes=*) nodes=${arg#--nodes=} ;; esac; done\n' +
        'task=${*: -1}\nfor i in $(seq 1 "$nodes"); do FAKE_NODE=compute-$i bash -c "$task"; done\n',
    );
    write(path.join(stubs, 'hostname'), '#!/bin/bash\necho "${FAKE_NODE:-login}"\n');
    write(path.join(stubs, 'squeue'), `#!/bin/bash\n${record}\necho "smoke-job: queue: PENDING Resources"\n`);
    write(path.join(stubs, 'scancel'), `#!/bin/bash\n${record}\n`);
    // fi_info: finds EFA on every node but the ones FAKE_NO_EFA names.
    write(path.join(stubs, 'fi_info'), '#!/bin/bash\ncase " ${FAKE_NO_EFA:-} " in *" $FAKE_NODE "*) exit 61 ;; esac\nexit 0\n');
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  /** The commands as the agent runs them: one /bin/sh script, as root, stubs first on PATH. */
  const run = (args: string[], env: Record<string, string> = {}, pathDirs = [stubs]) => {
    const result = spawnSync('/bin/sh', ['-c', slurmJobCommands(args).join('\n')], {
      encoding: 'utf8',
      env: {
        PATH: [...pathDirs, '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
        SMOKE_JOB_USER: os.userInfo().username,
        SMOKE_PCS_SLURM_ROOT: pcsRoot,
        SMOKE_FI_INFO: path.join(stubs, 'fi_info'),
        TMPDIR: path.join(scratch, 'tmp'),
        ...env,
      },
    });
    return {
      status: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
      output: readSlurmJobOutput(result.stdout, result.stderr),
    };
  };

  test('one task on each node, as the job user, with the partition, node count, job name and time limit', () => {
    const result = run(['run', 'efa', '2', 'smoke-abc', '600']);
    expect(result.status).toBe(0);
    expect(result.output).toEqual({
      nodes: [
        { host: 'compute-1', efa: true },
        { host: 'compute-2', efa: true },
      ],
    });
    const user = os.userInfo().username;
    expect(calls()[0]).toMatch(new RegExp(`^runuser -u ${user} -- timeout --kill-after=30 600 \\S+/srun `));
    expect(calls()[1]).toMatch(/^srun --partition=efa --nodes=2 --ntasks-per-node=1 --job-name=smoke-abc --time=10 --chdir=\/tmp bash -c /);
    expect(calls()).toHaveLength(2);
    // The temporary copy of the script is gone.
    expect(fs.readdirSync(path.join(scratch, 'tmp'))).toEqual([]);
  });

  test('a node without EFA says so in its own line', () => {
    const result = run(['run', 'efa', '3', 'smoke-abc', '600'], { FAKE_NO_EFA: 'compute-2' });
    expect(result.status).toBe(0);
    expect(result.output.nodes.map((node) => `${node.host} ${node.efa}`)).toEqual(['compute-1 true', 'compute-2 false', 'compute-3 true']);
  });

  test('srun fails: the queue line, the job cancelled by name, one FAIL line, exit 3', () => {
    const result = run(['run', 'efa', '2', 'smoke-abc', '600'], { FAKE_SRUN_STATUS: '1' });
    expect(result.status).toBe(3);
    expect(result.output).toEqual({
      nodes: [],
      failure: 'srun exited with status 1 (see its lines above)',
      queue: 'PENDING Resources',
    });
    expect(calls().slice(-2)).toEqual(['squeue --noheader --name=smoke-abc --format=smoke-job: queue: %T %r', 'scancel --name=smoke-abc']);
  });

  test('the time limit passes (timeout answers 124): the job is cancelled and the line says why', () => {
    // A stand-in timeout that reports the limit reached at once: nothing here waits for real.
    write(path.join(stubs, 'timeout'), `#!/bin/bash\necho "timeout $*" >> "${scratch}/calls.log"\nexit 124\n`);
    const result = run(['run', 'efa', '2', 'smoke-abc', '90']);
    expect(result.status).toBe(2);
    expect(result.output.failure).toBe(
      'the job did not finish within 90 s, so it was cancelled (compute nodes that never came up? see the queue line)',
    );
    expect(calls()).toContain('scancel --name=smoke-abc');
  });

  test("Slurm off PATH: found where PCS's installer puts it", () => {
    const bin = path.join(pcsRoot, 'slurm-25.05', 'bin');
    fs.mkdirSync(bin, { recursive: true });
    for (const command of ['srun', 'squeue', 'scancel']) fs.renameSync(path.join(stubs, command), path.join(bin, command));
    const result = run(['run', 'efa', '1', 'smoke-abc', '600']);
    expect(result.status).toBe(0);
    expect(calls()[0]).toContain(`${bin}/srun --partition=efa`);
  });

  test('no Slurm at all, no job user, a bad node count: one FAIL line each, exit 2, nothing started', () => {
    fs.rmSync(path.join(stubs, 'srun'));
    expect(run(['run', 'efa', '2', 'smoke-abc', '600']).output.failure).toBe(
      `no srun on the login node (looked on PATH and in ${pcsRoot}/slurm-*/bin)`,
    );
    write(path.join(stubs, 'srun'), '#!/bin/bash\nexit 0\n');
    const noUser = run(['run', 'efa', '2', 'smoke-abc', '600'], { SMOKE_JOB_USER: 'no-such-user-here' });
    expect(noUser).toMatchObject({ status: 2, output: { failure: 'no user no-such-user-here on the login node' } });
    expect(run(['run', 'efa', '0', 'smoke-abc', '600']).output.failure).toBe('the node count must be a whole number, not 0');
    expect(calls()).toEqual([]);
  });

  test('cancel: scancel by the job name', () => {
    const result = run(['cancel', 'smoke-abc']);
    expect(result.status).toBe(0);
    expect(calls()).toEqual(['scancel --name=smoke-abc']);
    expect(result.stdout).toBe('smoke-job: cancelled any job named smoke-abc\n');
  });
});
