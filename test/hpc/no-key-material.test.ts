import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * No private key in the repository, nor in the job image's build context: the cluster key is
 * created by CloudFormation, kept in SSM Parameter Store and read at run time; the local
 * multi-node run generates its own into a temporary folder.
 */
const REPO = path.join(__dirname, '..', '..');
// Built from parts, so this file does not match itself.
const PRIVATE_KEY = new RegExp(['-----BEGIN', '[A-Z ]*PRIVATE KEY-----'].join(' '));

test('no tracked file holds private key material', () => {
  const files = spawnSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
  expect(files.length).toBeGreaterThan(100);
  const offenders = files.filter((file) => {
    const full = path.join(REPO, file);
    return fs.existsSync(full) && fs.statSync(full).isFile() && PRIVATE_KEY.test(fs.readFileSync(full, 'latin1'));
  });
  expect(offenders).toEqual([]);
});

test('the job image build context admits only the Dockerfile, its scripts and the MPI program sources', () => {
  const dockerignore = fs.readFileSync(path.join(REPO, 'hpc-job', '.dockerignore'), 'utf8');
  const rules = dockerignore.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
  expect(rules).toEqual(['*', '!Dockerfile', '!install-efa-user-space.sh', '!mnp-run.sh', '!programs/*.c']);
  const dockerfile = fs.readFileSync(path.join(REPO, 'hpc-job', 'Dockerfile'), 'utf8');
  expect(dockerfile).not.toMatch(/ssh-keygen|id_ed25519|authorized_keys/);
  expect(dockerfile).toMatch(/^FROM \S+@sha256:[0-9a-f]{64}$/m);
});
