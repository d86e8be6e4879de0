/** Mocha root hooks: pick the backend once (SEGVIT_BACKEND or auto) before any test runs. */
import { initBackend } from '../lib/backend.js';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    await initBackend(undefined, { quiet: false });
  },
};
