// Seeded mutations of decision inputs, for checking that two policy versions answer alike beyond the scenarios: a key
// dropped, a value replaced by one of a pool of awkward values or by another input's value at the same place, and
// timestamps with a character changed, inserted or removed. The same seed gives the same inputs.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

const AWKWARD: readonly Json[] = [
  null,
  true,
  false,
  0,
  7,
  '',
  'x',
  [],
  {},
  ['a'],
  [1],
  'GET',
  '/orders',
  'public',
  'restricted',
  'pii',
  'user',
  'service',
  ['operator'],
  ['developer', 'operator'],
  'spiffe://shop.example/ns/prod/sa/web',
  'sha256:ab',
  '2025-06-01T12:00:00.5Z',
  '2025-13-01T12:00:00Z',
]
const TIMESTAMPS = ['2025-06-01T12:00:00Z', '2025-06-01T12:00:00.5Z', '2025-06-01T12:00:00.123456Z']
const TIME_CHARS = [...'0123456789-:TZ.a z९']

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Every path to an object member, depth first. */
function memberPaths(value: Json, prefix: string[] = [], out: string[][] = []): string[][] {
  if (isObject(value)) {
    for (const key of Object.keys(value)) {
      out.push([...prefix, key])
      memberPaths(value[key] as Json, [...prefix, key], out)
    }
  }
  return out
}

function at(value: Json | undefined, path: readonly string[]): Json | undefined {
  let current = value
  for (const key of path) current = isObject(current) ? current[key] : undefined
  return current
}

/** A deterministic stream of mutated copies of `inputs`. */
export function createInputMutator(inputs: readonly Json[], seed: number): () => Json {
  let state = seed >>> 0
  const random = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    return state / 4294967296
  }
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const mutateTime = (): string => {
    let time = pick(TIMESTAMPS)
    for (let edits = 1 + Math.floor(random() * 2); edits > 0; edits--) {
      const i = Math.floor(random() * (time.length + 1))
      const kind = random()
      const c = pick(TIME_CHARS)
      if (kind < 0.5) time = time.slice(0, i) + c + time.slice(i + 1)
      else if (kind < 0.75) time = time.slice(0, i) + c + time.slice(i)
      else time = time.slice(0, i) + time.slice(i + 1)
    }
    return time
  }
  return () => {
    const input = structuredClone(pick(inputs))
    if (!isObject(input)) return input
    if (random() < 0.2) {
      input.time = mutateTime()
      return input
    }
    for (let steps = 1 + Math.floor(random() * 3); steps > 0; steps--) {
      const paths = memberPaths(input)
      if (paths.length === 0) break
      const path = pick(paths)
      const parent = at(input, path.slice(0, -1))
      if (!isObject(parent)) continue
      const key = path.at(-1)!
      const kind = random()
      if (kind < 0.25) delete parent[key]
      else if (kind < 0.55) parent[key] = structuredClone(pick(AWKWARD))
      else {
        const other = at(pick(inputs), path)
        if (other !== undefined) parent[key] = structuredClone(other)
      }
    }
    return input
  }
}
