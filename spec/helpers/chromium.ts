/** Debian's Chromium driven by playwright-core, for the browser tests; where none is installed the tests are pending. */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** How to get a browser, for the pending message. */
export const CHROMIUM_INSTALL = 'apt-get install chromium (Debian; .ci/run does), or set SEGVIT_CHROMIUM=/path/to/chrome';

/** The Chromium to run: SEGVIT_CHROMIUM, else the first of the usual paths that exists. */
export function findChromium(): string | undefined {
  const asked = process.env.SEGVIT_CHROMIUM;
  if (asked) return existsSync(asked) ? asked : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

/**
 * Headless, without the sandbox (CI runs as root), the GPU or any background connection (the machine's network is
 * closed: Chromium's calls home would fail at every start).
 */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
