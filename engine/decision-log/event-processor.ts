// Turns a recorded decision into the line a sink receives, off the request path: decode the input, ask the drop
// policy, apply the mask policy's rules and the configured pointers, add the policy's reasons. Parsing happens
// only when a rule applies (and configured pointers first check the field can be there at all). Anything that
// goes wrong while masking drops the event: an unmasked event never reaches a sink.

import { isRecord, parseJson, stringifyJson, topLevelMember } from '../json/index.js'
import type { DecisionRecord } from './decision-event.js'
import { createEventEncoder, withReasons } from './event-encoder.js'
import type { LogPolicyEvaluator } from './log-policy.js'
import { applyMaskRules, type MaskDocument, type MaskRule, mayApply, parseMaskRules } from './mask-rules.js'
import type { DropReason } from './sink.js'

export interface EventProcessorOptions {
  labels: Readonly<Record<string, string>>
  /** Configured pointers, applied to every event after the policy's rules. */
  rules?: readonly MaskRule[] | undefined
  evaluateMask?: LogPolicyEvaluator | undefined
  evaluateDrop?: LogPolicyEvaluator | undefined
  now?: () => number
}

export interface Dropped {
  readonly dropped: DropReason
  readonly error?: unknown
}

export interface EventProcessor {
  /** The event's JSON text, or why it was dropped. */
  process(record: DecisionRecord): string | Dropped
}

const utf8Decoder = new TextDecoder()
const utf8Encoder = new TextEncoder()
const DROPPED_BY_POLICY: Dropped = { dropped: 'drop_policy' }

/** The result's `reasons` as JSON text when the result is an object that has them. */
function reasonsOf(result: unknown): string | undefined {
  return isRecord(result) && result.reasons !== undefined ? stringifyJson(result.reasons) : undefined
}

function reasonsOfText(resultText: string | undefined): string | undefined {
  if (resultText === undefined || resultText.charCodeAt(0) !== 123 || !resultText.includes('"reasons"')) {
    return undefined
  }
  const member = topLevelMember(resultText, 'reasons')
  if (member.exact) return member.text
  return reasonsOf(parseJson(resultText))
}

/** The shadow result under the same result rules as the result: what must not be logged there must not here. */
function maskedShadowResult(record: DecisionRecord, rules: readonly MaskRule[]): string | null | undefined {
  const shadow = record.shadow?.result
  if (shadow === undefined) return undefined
  const doc: MaskDocument = { input: undefined, result: parseJson(shadow), erased: [], masked: [] }
  applyMaskRules(
    doc,
    rules.filter((rule) => rule.part === 'result'),
  )
  return doc.result === undefined ? null : (stringifyJson(doc.result) ?? null)
}

export function createEventProcessor(options: EventProcessorOptions): EventProcessor {
  const encoder = createEventEncoder({ labels: options.labels, ...(options.now ? { now: options.now } : {}) })
  const configured = options.rules ?? []
  const { evaluateMask, evaluateDrop } = options

  const policyRules = (eventBytes: Uint8Array | undefined): MaskRule[] => {
    if (evaluateMask === undefined || eventBytes === undefined) return []
    const outcome = evaluateMask(eventBytes)
    if (outcome === undefined || !outcome.defined || outcome.json === '[]') return []
    return parseMaskRules(parseJson(outcome.json))
  }

  const masked = (record: DecisionRecord, input: string | undefined, rules: readonly MaskRule[]): string => {
    const touches = (part: string): boolean => rules.some((rule) => rule.part === part)
    const parseInput = input !== undefined && touches('input')
    const parseResult = record.result !== undefined && touches('result')
    const doc: MaskDocument = {
      input: parseInput ? parseJson(input) : input,
      result: parseResult ? parseJson(record.result as string) : record.result,
      erased: [],
      masked: [],
    }
    applyMaskRules(doc, rules)
    const text = (value: unknown, parsed: boolean): string | undefined =>
      value === undefined ? undefined : parsed ? stringifyJson(value) : (value as string)
    const result = text(doc.result, parseResult)
    const event = encoder.encode({
      record,
      input: text(doc.input, parseInput),
      result,
      erased: doc.erased,
      masked: doc.masked,
      shadowResult: parseResult ? maskedShadowResult(record, rules) : undefined,
    })
    return withReasons(event, parseResult ? reasonsOf(doc.result) : reasonsOfText(result))
  }

  return {
    process(record) {
      let input: string | undefined
      let event: string
      try {
        input =
          typeof record.input === 'string' || record.input === undefined
            ? record.input
            : utf8Decoder.decode(record.input)
        event = encoder.encode({ record, input, result: record.result })
      } catch (error) {
        return { dropped: 'encode_error', error }
      }
      // The drop and mask policies read the event as it would be logged unmasked (OPA's order: drop, then mask).
      const eventBytes =
        evaluateDrop !== undefined || evaluateMask !== undefined ? utf8Encoder.encode(event) : undefined
      if (evaluateDrop !== undefined) {
        try {
          const drop = evaluateDrop(eventBytes as Uint8Array)
          if (drop?.defined === true && drop.json === 'true') return DROPPED_BY_POLICY
        } catch (error) {
          return { dropped: 'drop_error', error }
        }
      }
      let rules: MaskRule[]
      try {
        rules = policyRules(eventBytes)
      } catch (error) {
        return { dropped: 'mask_error', error }
      }
      // Configured pointers skip events that cannot hold their field, unless the policy already forces a parse.
      for (const rule of configured) {
        if (rules.length > 0 || mayApply(rule, rule.part === 'input' ? input : record.result))
          rules.push(rule)
      }
      try {
        return rules.length === 0
          ? withReasons(event, reasonsOfText(record.result))
          : masked(record, input, rules)
      } catch (error) {
        return { dropped: 'mask_error', error }
      }
    },
  }
}
