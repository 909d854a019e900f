// OPA's decision-log mask rules (v1/plugins/logs/mask.go), on parsed JSON: a rule is a JSON pointer into the
// event's input or result (a plain string means "remove"), or {op: "remove"|"upsert", path, value}. Removing or
// upserting a pointer that does not resolve is skipped silently and not reported; what was applied is listed in
// the event's `erased` (removed) and `masked` (upserted), as OPA does. A malformed rule set is an error: the
// caller drops the event rather than log it unmasked.
import { ClearanceError, ErrorCodes } from '../errors.js'
import { isRecord } from '../json/index.js'

export type MaskOp = 'remove' | 'upsert'
export type MaskPart = 'input' | 'result' | 'nd_builtin_cache'

export interface MaskRule {
  op: MaskOp
  /** The pointer as written, reported in `erased` / `masked`. */
  pointer: string
  part: MaskPart
  /** Decoded reference tokens below the part ("/input/a~1b/0" → ["a/b", "0"]). */
  segments: readonly string[]
  value?: unknown
}

/** The maskable members of one event; `undefined` means absent (JSON null is a value). */
export interface MaskDocument {
  input: unknown
  result: unknown
  erased: string[]
  masked: string[]
}

const PARTS: ReadonlySet<string> = new Set(['input', 'result', 'nd_builtin_cache'])
const INDEX = /^\d+$/

function invalid(message: string): ClearanceError {
  return new ClearanceError(ErrorCodes.invalidParameter, message)
}

/** Parses one rule: a pointer string, or OPA's {op, path, value} object. Throws ClearanceError. */
export function parseMaskRule(spec: unknown): MaskRule {
  let op: MaskOp = 'remove'
  let pointer: unknown = spec
  let value: unknown
  if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
    const rule = spec as { op?: unknown; path?: unknown; value?: unknown }
    if (rule.op !== 'remove' && rule.op !== 'upsert') {
      throw invalid(`mask op is not supported: ${JSON.stringify(rule.op ?? null)}`)
    }
    op = rule.op
    pointer = rule.path
    value = rule.value ?? null
  }
  if (typeof pointer !== 'string' || pointer === '') throw invalid('mask must be a non-empty JSON pointer')
  if (!pointer.startsWith('/')) throw invalid(`mask must be slash-prefixed: "${pointer}"`)
  const tokens = pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'))
  const part = tokens[0]!
  if (!PARTS.has(part))
    throw invalid(`mask prefix not allowed: "${part}" (use /input, /result or /nd_builtin_cache)`)
  return {
    op,
    pointer,
    part: part as MaskPart,
    segments: tokens.slice(1),
    ...(op === 'upsert' ? { value } : {}),
  }
}

/** Parses what a mask policy returned: an array (a Rego set) of rules. Throws ClearanceError. */
export function parseMaskRules(value: unknown): MaskRule[] {
  if (!Array.isArray(value))
    throw invalid('mask decision must be a set of JSON pointers or {op, path, value}')
  return value.map(parseMaskRule)
}

/** Parses configured pointers (always "remove"), naming the setting in the error. Throws config_error. */
export function parseConfiguredMasks(pointers: readonly string[], field: string): MaskRule[] {
  return pointers.map((pointer) => {
    try {
      return parseMaskRule(pointer)
    } catch (error) {
      throw new ClearanceError(ErrorCodes.configError, `${field}: ${(error as Error).message}`, {
        cause: error,
      })
    }
  })
}

// "__proto__" from a policy must become an own key, never the object's prototype.
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
}

function child(node: unknown, segment: string): { found: boolean; value: unknown } {
  if (Array.isArray(node)) {
    if (!INDEX.test(segment)) return { found: false, value: undefined }
    const index = Number(segment)
    return index < node.length ? { found: true, value: node[index] } : { found: false, value: undefined }
  }
  if (isRecord(node) && Object.hasOwn(node, segment)) return { found: true, value: node[segment] }
  return { found: false, value: undefined }
}

function removeAt(root: unknown, segments: readonly string[]): boolean {
  let node = root
  for (let i = 0; i < segments.length - 1; i++) {
    const next = child(node, segments[i]!)
    if (!next.found) return false
    node = next.value
  }
  const last = segments[segments.length - 1]!
  if (Array.isArray(node)) {
    if (!INDEX.test(last) || Number(last) >= node.length) return false
    node.splice(Number(last), 1)
    return true
  }
  if (isRecord(node) && Object.hasOwn(node, last)) {
    delete node[last]
    return true
  }
  return false
}

function upsertAt(root: unknown, segments: readonly string[], value: unknown): boolean {
  let node = root
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i]!
    if (isRecord(node)) {
      if (!Object.hasOwn(node, segment)) setOwn(node, segment, {})
      node = node[segment]
    } else if (Array.isArray(node)) {
      // As OPA: an array step must exist; only objects are created on the way.
      const next = child(node, segment)
      if (!next.found) return false
      node = next.value
    } else {
      return false
    }
  }
  const last = segments[segments.length - 1]!
  if (isRecord(node)) {
    setOwn(node, last, value)
    return true
  }
  if (Array.isArray(node) && INDEX.test(last) && Number(last) < node.length) {
    node[Number(last)] = value
    return true
  }
  return false
}

/** Applies rules in order to `doc` (mutating it), recording what was erased and masked. */
export function applyMaskRules(doc: MaskDocument, rules: readonly MaskRule[]): void {
  for (const rule of rules) {
    // nd_builtin_cache is never recorded by Clearance, so rules on it have nothing to act on.
    if (rule.part === 'nd_builtin_cache') continue
    const root = doc[rule.part]
    if (root === undefined) continue
    if (rule.op === 'remove') {
      if (rule.segments.length === 0) doc[rule.part] = undefined
      else if (!removeAt(root, rule.segments)) continue
      doc.erased.push(rule.pointer)
    } else {
      if (rule.segments.length === 0) doc[rule.part] = rule.value
      else if (!(isRecord(root) || Array.isArray(root)) || !upsertAt(root, rule.segments, rule.value))
        continue
      doc.masked.push(rule.pointer)
    }
  }
}

/**
 * Whether a remove rule could change `text` (the JSON of its part). False only when it certainly cannot: the
 * final key appears nowhere in the text as a JSON string and the text has no escapes that could spell it
 * differently. Lets configured pointers skip parsing events that do not carry the field.
 */
export function mayApply(rule: MaskRule, text: string | undefined): boolean {
  if (text === undefined) return false
  if (rule.op !== 'remove' || rule.segments.length === 0) return true
  const last = rule.segments[rule.segments.length - 1]!
  if (INDEX.test(last) || text.includes('\\')) return true
  return text.includes(JSON.stringify(last))
}
