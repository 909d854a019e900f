import { defineConfig } from 'vitest/config'

// `npm test -w @clearance/rego-builtins`; the root's vitest.config.ts runs these tests too. The harness imports
// the package by its own name: the @clearance/source condition resolves it to src/ as the tests do.
export default defineConfig({
  resolve: { conditions: ['@clearance/source'] },
  ssr: { resolve: { conditions: ['@clearance/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 240_000,
    pool: 'forks',
  },
})
