// Masking for the page, with the decision log's own rules: the bundle's data.system.log.mask policy first, then
// the configured --decision-log-mask pointers, as the decision log applies them. A masked field never reaches the
// page; when the rules cannot be applied (a broken mask policy), the decision is kept off the page altogether.
import {
  applyMaskRules,
  type LogPolicyEvaluator,
  type MaskDocument,
  type MaskRule,
  parseMaskRules,
} from '../decision-log/index.js'

export interface MaskedDecision {
  input: unknown
  result: unknown
  /** The pointers that removed or replaced something. */
  applied: string[]
}

/** Masks copies of a decision's input and result; undefined when they cannot be masked. */
export type PageMasker = (decisionId: string, input: unknown, result: unknown) => MaskedDecision | undefined

export interface PageMaskerOptions {
  /** Configured pointers (--decision-log-mask). */
  rules?: readonly MaskRule[]
  /** data.system.log.mask of the active bundles. */
  evaluateMask?: LogPolicyEvaluator
  path?: string
}

const encoder = new TextEncoder()

export function createPageMasker(options: PageMaskerOptions = {}): PageMasker {
  const configured = options.rules ?? []
  const path = options.path ?? 'clearance/authz/decision'
  return (decisionId, input, result) => {
    try {
      let rules: MaskRule[] = []
      if (options.evaluateMask !== undefined) {
        const event = encoder.encode(JSON.stringify({ decision_id: decisionId, path, input, result }))
        const outcome = options.evaluateMask(event)
        if (outcome?.defined === true && outcome.json !== '[]')
          rules = parseMaskRules(JSON.parse(outcome.json))
      }
      rules = [...rules, ...configured]
      if (rules.length === 0) return { input, result, applied: [] }
      const doc: MaskDocument = {
        input: structuredClone(input),
        result: structuredClone(result),
        erased: [],
        masked: [],
      }
      applyMaskRules(doc, rules)
      return { input: doc.input, result: doc.result, applied: [...doc.erased, ...doc.masked] }
    } catch {
      return undefined
    }
  }
}
