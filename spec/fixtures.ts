/**
 * Large reference fixtures live outside the repo, in `../shared/fixtures` next to the project root (override with
 * SEGVIT_FIXTURES). Tests that need them are pending, with the reason logged once, when the folder is absent.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json, found upward from this file (it runs from dist/spec). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const FIXTURES_ROOT = process.env.SEGVIT_FIXTURES ?? resolve(projectRoot(), '..', 'shared', 'fixtures');

/** The folder of fixture `name`, or undefined when it is absent. */
export function fixtureDir(name: string): string | undefined {
  const dir = join(FIXTURES_ROOT, name);
  return existsSync(dir) ? dir : undefined;
}

const announced = new Set<string>();

/** The folder of fixture `name`; when absent, log why (once per fixture) and mark the running test pending. */
export function fixtureOrSkip(context: Mocha.Context, name: string): string {
  const dir = fixtureDir(name);
  if (dir !== undefined) return dir;
  if (!announced.has(name)) {
    announced.add(name);
    const where = join(FIXTURES_ROOT, name);
    console.log(`      (pending: fixtures folder ${where} is absent; set SEGVIT_FIXTURES to its location)`);
  }
  context.skip();
}

/**
 * Where tools/fetch-middlebury-motorcycle.sh puts the Middlebury 2014 Motorcycle pair (real RGB + dense disparity
 * from Debian's python3-skimage): SEGVIT_MIDDLEBURY, else data/middlebury-motorcycle in the project.
 */
export const MIDDLEBURY_ROOT = process.env.SEGVIT_MIDDLEBURY ?? resolve(projectRoot(), 'data', 'middlebury-motorcycle');

/**
 * Where tools/fetch-mricron-data.sh puts Debian's mricron-data brain (ch2bet.nii.gz T1, aal.nii.gz atlas on the same
 * grid): SEGVIT_MRICRON, else data/mricron in the project.
 */
export const MRICRON_ROOT = process.env.SEGVIT_MRICRON ?? resolve(projectRoot(), 'data', 'mricron');

/**
 * The folder `dir` of downloaded data when all of `files` are in it; else log (once per folder and files) what is
 * missing and `howTo` get it, and mark the running test pending.
 */
export function downloadOrSkip(context: Mocha.Context, dir: string, files: readonly string[], howTo: string): string {
  const missing = files.filter((file) => !existsSync(join(dir, file)));
  if (missing.length === 0) return dir;
  const key = `${dir}:${missing.join(',')}`;
  if (!announced.has(key)) {
    announced.add(key);
    console.log(`      (pending: ${missing.join(', ')} absent from ${dir}; ${howTo})`);
  }
  context.skip();
}
