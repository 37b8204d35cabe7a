/**
 * The example Slurm batch script (hpc-job/slurm/mpi-job.sbatch): it passes shellcheck, uses only
 * options Slurm documents, and its shell logic runs for real here, with srun, mpicc, mpirun and
 * fi_info as stubs on PATH (no Slurm controller or EFA device on this machine) and a scratch
 * folder as /fsx.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.join(__dirname, '..', '..');
const SCRIPT = path.join(REPO, 'hpc-job', 'slurm', 'mpi-job.sbatch');
const SBATCH_OPTIONS = new Set(
  fs
    .readFileSync(path.join(__dirname, 'fixtures', 'sbatch-options.txt'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('--')),
);

test('shellcheck passes (install it with apt-get install shellcheck; .ci/run does)', () => {
  const result = spawnSync('shellcheck', ['--shell=bash', SCRIPT, path.join(REPO, 'hpc-node', 'mount-lustre.sh')], { encoding: 'utf8' });
  if (result.error) throw new Error(`shellcheck is not installed: apt-get install shellcheck (${result.error.message})`);
  expect(result.stdout).toBe('');
  expect(result.status).toBe(0);
});

test('every #SBATCH option is one Slurm documents for sbatch, written as --name=value', () => {
  const directives = fs
    .readFileSync(SCRIPT, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('#SBATCH'));
  expect(directives.length).toBeGreaterThanOrEqual(6);
  for (const directive of directives) {
    const option = directive.replace(/^#SBATCH\s+/, '').split('=')[0];
    expect({ directive, documented: SBATCH_OPTIONS.has(option) }).toEqual({ directive, documented: true });
  }
  expect(directives).toContain('#SBATCH --partition=efa'); // the PCS queue the stack creates (SLURM_PARTITION)
  expect(directives).toContain('#SBATCH --output=/fsx/%x-%j.out');
});

describe('its shell logic, run with stubs', () => {
  let scratch: string;
  let stubs: string;
  let shared: string;
  const log = () => fs.readFileSync(path.join(scratch, 'calls.log'), 'utf8');
  const write = (file: string, text: string) => fs.writeFileSync(file, text, { mode: 0o755 });

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'slurm-example-'));
    stubs = path.join(scratch, 'bin');
    shared = path.join(scratch, 'fsx');
    fs.mkdirSync(stubs);
    fs.mkdirSync(shared);
    fs.writeFileSync(path.join(scratch, 'calls.log'), '');
    const record = `echo "$(basename "$0") $*" >> "${scratch}/calls.log"`;
    // srun: lists its MPI plugins, runs the per-node check once, and runs the program.
    write(
      path.join(stubs, 'srun'),
      `#!/bin/bash\n${record}\ncase "$*" in\n  --mpi=list) echo "MPI plugin types are..."; echo "  ${'$'}{FAKE_MPI_PLUGINS:-pmix}" ;;\n` +
        `  *"--label bash -c"*) shift 2; exec "$@" ;;\n  --mpi=pmix*) shift; exec "$@" ;;\nesac\n`,
    );
    write(path.join(stubs, 'mpirun'), `#!/bin/bash\n${record}\nshift 2\nexec "$@"\n`);
    write(path.join(stubs, 'fi_info'), `#!/bin/bash\n${record}\nexit \${FAKE_FI_INFO_STATUS:-0}\n`);
    write(path.join(stubs, 'mpicc'), `#!/bin/bash\n${record}\nprintf '#!/bin/bash\\necho "rank output: $*"\\n' > "$4"\nchmod +x "$4"\n`);
    fs.writeFileSync(path.join(shared, 'solver.c'), 'int main(void) { return 0; }\n');
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync('bash', [SCRIPT, ...args], {
      encoding: 'utf8',
      env: {
        PATH: `${stubs}:${process.env.PATH}`,
        HPC_SHARED_STORAGE: shared,
        SLURM_JOB_ID: '42',
        SLURM_JOB_NAME: 'mpi-job',
        SLURM_JOB_NUM_NODES: '2',
        SLURM_JOB_NODELIST: 'compute-[1-2]',
        SLURM_NTASKS_PER_NODE: '36',
        ...env,
      },
    });

  test('a C file in /fsx: checks EFA on every node, builds it in the run folder, runs it with srun over PMIx, output in /fsx', () => {
    const result = run([path.join(shared, 'solver.c'), '--steps', '10']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const runDir = path.join(shared, 'runs', 'mpi-job-42');
    expect(log()).toContain('srun --ntasks-per-node=1 --label bash -c');
    expect(log()).toContain('fi_info -p efa -t FI_EP_RDM');
    expect(log()).toContain(`mpicc -O2 -Wall -o ${runDir}/solver ${shared}/solver.c`);
    expect(log()).toContain(`srun --mpi=pmix ${runDir}/solver --steps 10`);
    expect(fs.readFileSync(path.join(runDir, 'output.txt'), 'utf8')).toBe('rank output: --steps 10\n');
    expect(result.stdout).toContain(`job 42 on 2 nodes (compute-[1-2]), working in ${runDir}`);
  });

  test('without the PMIx plugin it falls back to Open MPI mpirun, one rank per core per node', () => {
    const program = path.join(shared, 'prebuilt');
    write(program, '#!/bin/bash\necho prebuilt ran\n');
    expect(run([program], { FAKE_MPI_PLUGINS: 'none' }).status).toBe(0);
    expect(log()).toContain(`mpirun --map-by ppr:36:node ${program}`);
  });

  test('a node without EFA stops the job before the program runs, in one line', () => {
    const result = run([path.join(shared, 'solver.c')], { FAKE_FI_INFO_STATUS: '1' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('mpi-job: FAIL: a node has no working EFA (see the lines above)');
    expect(log()).not.toContain('mpicc');
  });

  test.each([
    ['no program', [], {}, 'mpi-job: FAIL: usage: sbatch mpi-job.sbatch <program or C file in'],
    ['outside a Slurm job', ['x'], { SLURM_JOB_ID: '' }, 'mpi-job: FAIL: not inside a Slurm job: submit this file with sbatch'],
    ['no shared file system', ['x'], { HPC_SHARED_STORAGE: '/nonexistent/fsx' }, 'no writable shared file system at /nonexistent/fsx'],
    ['a program that is not there', ['/nonexistent/solver'], {}, 'mpi-job: FAIL: no such program: /nonexistent/solver'],
  ])('%s: refused in one line', (_what, args, env, message) => {
    const result = run(args as string[], env as Record<string, string>);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
  });
});
