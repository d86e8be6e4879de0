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
