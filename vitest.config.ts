import { defineConfig } from 'vitest/config'

// vitest reads the default export; this is the one file allowed one (see biome.json overrides)
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 240_000,
    pool: 'forks',
  },
})
