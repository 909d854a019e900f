import { defineConfig } from 'vitest/config'

// Workspace packages are resolved to their TypeScript sources through the @clearance/source export condition:
// in the test modules (vite's resolver) and, through the forks' execArgv, in the evaluation worker threads the
// guarded policy starts from sources (Node's resolver).
const SOURCE_CONDITION = '@clearance/source'

// vitest reads the default export; this is the one file allowed one (see biome.json overrides)
export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION] } },
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 240_000,
    pool: 'forks',
    execArgv: [`--conditions=${SOURCE_CONDITION}`],
  },
})
