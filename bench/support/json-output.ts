// How a benchmark hands its numbers to bench/run-all.ts: `--json <file>` writes them as JSON next to the table the
// script prints, so run-all can run every benchmark in its own process (nothing one leaves in the heap or the JIT
// affects the next) and still build one report.
import { writeFileSync } from 'node:fs'

export function writeJson(file: string | undefined, value: unknown): void {
  if (file !== undefined) writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`)
}

/** Sorts object keys recursively, so two JSON documents compare equal whatever order their members came in. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    )
  }
  return value
}
