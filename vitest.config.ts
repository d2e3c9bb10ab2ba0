import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/build-bundle.ts'],
    // Integration tests start emulators on 127.0.0.1; each file owns its own ports, so files may run in parallel.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    allowOnly: false,
    // Import CommonJS packages exactly as Node (and the esbuild bundle) does: `import X from 'cjs'` is
    // `module.exports`, so the SDK classes are `X.default` everywhere, not only outside tests.
    deps: { interopDefault: false },
  },
});
