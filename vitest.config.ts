import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Fixtures and the kernel are built once per run, before any test file starts.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    // Two cores: QEMU boots and host builds compete; keep parallelism modest.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
