#!/usr/bin/env -S npx tsx
// Runs the Rego unit tests of policies/ with the pinned opa and enforces a coverage floor: the Rego half of
// `clearance test` (engine/build/rego-tests.ts), run from source so it needs no build.
// Usage: tsx scripts/opa-test.mjs [dir=policies] [--threshold 90]
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runRegoTests } from '../engine/build/index.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const thresholdAt = args.indexOf('--threshold')
const threshold = thresholdAt >= 0 ? Number(args.splice(thresholdAt, 2)[1]) : 90
const dir = args[0] ?? join(root, 'policies')

const { passed } = await runRegoTests(dir, { coverageThreshold: threshold })
process.exitCode = passed ? 0 : 1
