// The cases Clearance is known to fail (known-failures.txt, one "<case key>  # <reason>" per line), so the CI
// sample test catches new failures without being red for documented gaps. Regenerate the list with
// `npm run conformance -- --write-known-failures` after fixing or accepting a failure.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CaseFailure } from './conformance-run.js'

export const knownFailuresFile = join(import.meta.dirname, 'known-failures.txt')

export function readKnownFailures(file = knownFailuresFile): Map<string, string> {
  const known = new Map<string, string>()
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue
    const hash = line.indexOf('  # ')
    known.set(hash < 0 ? line.trim() : line.slice(0, hash), hash < 0 ? '' : line.slice(hash + 4))
  }
  return known
}

export function writeKnownFailures(failures: readonly CaseFailure[], file = knownFailuresFile): void {
  const header = [
    '# OPA v1 conformance cases Clearance fails today, with the reason. conformance/run.ts writes this file with',
    '# --write-known-failures; the CI sample test fails on any failure not listed here.',
  ]
  // A reason written by hand for a case still failing is kept; new failures get their category.
  const previous = readKnownFailures(file)
  const lines = [...failures]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((f) => `${f.key}  # ${previous.get(f.key) || f.category}`)
  writeFileSync(file, `${[...header, ...lines].join('\n')}\n`)
}
