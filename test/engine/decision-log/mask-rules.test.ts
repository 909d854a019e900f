import { describe, expect, it } from 'vitest'
import {
  applyMaskRules,
  type MaskDocument,
  mayApply,
  parseConfiguredMasks,
  parseMaskRule,
  parseMaskRules,
} from '../../../engine/decision-log/mask-rules.js'
import { ClearanceError } from '../../../engine/errors.js'

const doc = (input: unknown, result?: unknown): MaskDocument => ({ input, result, erased: [], masked: [] })

describe('mask rules (OPA system.log.mask semantics)', () => {
  it('erases a pointer given as a plain string and lists it in erased', () => {
    const d = doc({ user: 'bob', password: 'passw0rd' })
    applyMaskRules(d, parseMaskRules(['/input/password']))
    expect(d.input).toEqual({ user: 'bob' })
    expect(d.erased).toEqual(['/input/password'])
    expect(d.masked).toEqual([])
  })

  it('upserts a value, creating missing objects on the way, and lists it in masked', () => {
    const d = doc({ card: {} })
    applyMaskRules(d, parseMaskRules([{ op: 'upsert', path: '/input/card/holder/name', value: '**' }]))
    expect(d.input).toEqual({ card: { holder: { name: '**' } } })
    expect(d.masked).toEqual(['/input/card/holder/name'])
  })

  it('skips pointers that do not resolve without reporting them', () => {
    const d = doc({ name: 'bob' })
    applyMaskRules(d, parseMaskRules(['/input/name/first', '/input/missing', '/result/x']))
    expect(d.input).toEqual({ name: 'bob' })
    expect(d.erased).toEqual([])
  })

  it('removes array elements by index, in the middle of a path and at its end', () => {
    const d = doc({
      users: [
        { name: 'a', ssn: '1' },
        { name: 'b', ssn: '2' },
      ],
      tags: ['x', 'y', 'z'],
    })
    applyMaskRules(d, parseMaskRules(['/input/users/1/ssn', '/input/tags/0', '/input/tags/9']))
    expect(d.input).toEqual({ users: [{ name: 'a', ssn: '1' }, { name: 'b' }], tags: ['y', 'z'] })
    expect(d.erased).toEqual(['/input/users/1/ssn', '/input/tags/0'])
  })

  it('erases or replaces a whole part', () => {
    const erased = doc({ a: 1 }, true)
    applyMaskRules(erased, parseMaskRules(['/input']))
    expect(erased.input).toBeUndefined()
    expect(erased.erased).toEqual(['/input'])
    const replaced = doc({ a: 1 }, { allow: true })
    applyMaskRules(replaced, parseMaskRules([{ op: 'upsert', path: '/result', value: 'hidden' }]))
    expect(replaced.result).toBe('hidden')
    expect(replaced.masked).toEqual(['/result'])
  })

  it('does not upsert into an absent input', () => {
    const d = doc(undefined)
    applyMaskRules(d, parseMaskRules([{ op: 'upsert', path: '/input/x', value: 1 }]))
    expect(d.input).toBeUndefined()
    expect(d.masked).toEqual([])
  })

  it('decodes ~1 and ~0 in pointers and never writes an object prototype', () => {
    const d = doc({ 'a/b': 1, 'c~d': 2 })
    applyMaskRules(
      d,
      parseMaskRules([
        '/input/a~1b',
        '/input/c~0d',
        { op: 'upsert', path: '/input/__proto__/polluted', value: 1 },
      ]),
    )
    expect(Object.keys(d.input as object)).toEqual(['__proto__'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(d.erased).toEqual(['/input/a~1b', '/input/c~0d'])
  })

  it('refuses malformed rules: bad prefix, no slash, unknown op', () => {
    expect(() => parseMaskRule('/data/x')).toThrow(/prefix not allowed/)
    expect(() => parseMaskRule('input/x')).toThrow(/slash-prefixed/)
    expect(() => parseMaskRule({ op: 'replace', path: '/input/x' })).toThrow(/op is not supported/)
    expect(() => parseMaskRule({ path: '/input/x' })).toThrow(/op is not supported/)
    expect(() => parseMaskRules({ not: 'a set' })).toThrow(/set of JSON pointers/)
  })

  it('names the setting when a configured pointer is malformed', () => {
    try {
      parseConfiguredMasks(['/input/ok', '/secret'], '--decision-log-mask')
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ClearanceError)
      expect((error as ClearanceError).code).toBe('config_error')
      expect((error as Error).message).toMatch(/^--decision-log-mask: /)
    }
  })

  it('lets a remove rule skip text that cannot hold its key', () => {
    const [rule] = parseMaskRules(['/input/card/number'])
    expect(mayApply(rule!, '{"user":"bob"}')).toBe(false)
    expect(mayApply(rule!, '{"card":{"number":"4111"}}')).toBe(true)
    expect(mayApply(rule!, '{"card":{"n\\u0075mber":"4111"}}')).toBe(true)
    expect(mayApply(rule!, undefined)).toBe(false)
  })
})
