#!/usr/bin/env node
/**
 * Builds segvit's optional native GEMM (lib/kernels/native/blas.c -> dist/native/segvit_blas.node) with the system C
 * compiler against Node's headers and OpenBLAS. Runs at install time (`npm install` / `npm ci`) and never fails the
 * install: where a compiler, Node's headers or OpenBLAS are missing, it says what is missing and segvit runs on pure
 * wasm. Debian/Ubuntu: `apt-get install build-essential libopenblas-dev`, then `npm run build:native`.
 * SEGVIT_NATIVE=0 skips the build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'lib', 'kernels', 'native', 'blas.c');
const target = join(root, 'dist', 'native', 'segvit_blas.node');

function say(message) {
  process.stderr.write(`segvit native GEMM: ${message}\n`);
}

/** Folders that may hold node_api.h: npm's nodedir, the running node's prefix, the distribution's. */
function nodeHeaders() {
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    join(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  return candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
}

/** OpenBLAS's own cblas.h first (Debian keeps it per threading variant), then whatever cblas.h the compiler finds. */
function blasIncludes() {
  const dirs = [
    '/usr/include/x86_64-linux-gnu/openblas-pthread',
    '/usr/include/aarch64-linux-gnu/openblas-pthread',
    '/usr/include/openblas',
    '/opt/homebrew/opt/openblas/include',
    '/usr/local/opt/openblas/include',
  ];
  return dirs.filter((dir) => existsSync(join(dir, 'cblas.h'))).map((dir) => `-I${dir}`);
}

function build() {
  if (process.env.SEGVIT_NATIVE === '0') return say('skipped (SEGVIT_NATIVE=0); segvit runs on pure wasm');
  const headers = nodeHeaders();
  if (!headers) return say("skipped: Node's headers (node_api.h) not found; segvit runs on pure wasm");
  const cc = process.env.CC || 'cc';
  const temporary = `${target}.${process.pid}.tmp`;
  const args = [
    '-O2', '-shared', '-fPIC', '-std=c11', '-D_POSIX_C_SOURCE=200809L', '-DNODE_GYP_MODULE_NAME=segvit_blas',
    `-I${headers}`, ...blasIncludes(), source, '-o', temporary, '-lopenblas', '-lpthread', '-lm',
  ];
  if (process.platform === 'darwin') args.push('-undefined', 'dynamic_lookup', '-L/opt/homebrew/opt/openblas/lib');
  mkdirSync(dirname(target), { recursive: true });
  try {
    execFileSync(cc, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    rmSync(temporary, { force: true });
    const detail = String(err.stderr ?? err.message).split('\n').find((l) => /error|not found|No such/.test(l)) ?? '';
    return say(
      `not built (${detail.trim() || `${cc} failed`}); segvit runs on pure wasm. ` +
        'For the faster path install a C compiler and OpenBLAS (Debian: apt-get install build-essential libopenblas-dev), ' +
        'then run `npm run build:native`',
    );
  }
  renameSync(temporary, target);
  say(`built ${target}`);
}

build();
