/** The package as a user gets it: packed with npm and installed into a new project, in child processes. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Output {
  stdout: string;
  stderr: string;
}

/** `command ...args` in `cwd`; its output, or an error that carries it when the command fails. */
export function run(cwd: string, command: string, ...args: string[]): Output {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) {
    const why = r.error?.message ?? `exit code ${r.status}`;
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed (${why}):\n${r.stdout}\n${r.stderr}`);
  }
  return { stdout: r.stdout, stderr: r.stderr };
}

/** Whether `npm` runs here; tests that need it are pending otherwise. */
export function hasNpm(): boolean {
  return spawnSync('npm', ['--version']).status === 0;
}

/**
 * `npm pack` of the package at `root` into `dir`: the tarball's path and the files it holds. `--ignore-scripts`:
 * the package is already built (npm test builds first), so `prepare` need not compile it again.
 */
export function pack(root: string, dir: string): { tarball: string; files: string[] } {
  const { stdout } = run(root, 'npm', 'pack', '--ignore-scripts', '--json', '--pack-destination', dir);
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  return { tarball: join(dir, packed.filename), files: packed.files.map((f) => f.path) };
}

/**
 * A new ESM project at `dir` with `tarball` installed, install scripts included (they run in the foreground so that
 * what they print is kept). Quick after `npm ci`, whose cache holds every dependency. Returns npm's output.
 */
export function installInto(dir: string, tarball: string): Output {
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  return run(dir, 'npm', 'install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts');
}
