// Fulfils the mask_fields obligation: redacts dotted field paths ("customer.email", "card.pan") in a JSON value.
// Arrays on the way are walked element by element, so a list of orders is masked like one order. Returns a copy;
// the original is left as it was.

export const MASK = '***'

function maskPath(value: unknown, segments: readonly string[], at: number, replacement: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => maskPath(item, segments, at, replacement))
  if (value === null || typeof value !== 'object') return value
  const key = segments[at]!
  if (!Object.hasOwn(value, key)) return value
  const copy = { ...(value as Record<string, unknown>) }
  copy[key] = at === segments.length - 1 ? replacement : maskPath(copy[key], segments, at + 1, replacement)
  return copy
}

/** `value` with every field named in `fields` replaced by `replacement` (default "***"). */
export function maskFields<T>(value: T, fields: readonly string[], replacement: unknown = MASK): T {
  let masked: unknown = value
  for (const field of fields) {
    const segments = field.split('.').filter((segment) => segment !== '')
    if (segments.length > 0) masked = maskPath(masked, segments, 0, replacement)
  }
  return masked as T
}
