// Which decisions are worth logging, decided on the request path in constant time: decisions under configured
// path prefixes are never logged; allow decisions may be sampled at a rate; denies, undefined decisions and
// errors are always kept, because they are what audits and incident reviews look for.

import { DEFAULTS } from '../config/defaults.js'
import { ClearanceError, ErrorCodes } from '../errors.js'
import { classifyResult } from '../metrics/index.js'
import type { DecisionRecord } from './decision-event.js'

export interface SamplingConfig {
  /** Fraction of allow decisions logged, 0..1 (default 1: all). */
  allowRate?: number | undefined
  /** Decision paths ("a/b/c") under any of these prefixes are not logged. */
  dropPathPrefixes?: readonly string[] | undefined
  /** Uniform in [0, 1); injected by tests. */
  random?: (() => number) | undefined
}

/** What a sampler says about one record: keep it, or the reason it is skipped. */
export type Sampler = (record: DecisionRecord) => 'sampled' | 'path_rule' | undefined

const normalize = (prefix: string): string => prefix.replace(/^\/+|\/+$/g, '')

/** Validates the sampling settings (throws config_error naming the field) and builds the sampler. */
export function createSampler(config: SamplingConfig = {}): Sampler {
  const rate = config.allowRate ?? DEFAULTS.decisionLog.allowSampleRate
  if (!(rate >= 0 && rate <= 1)) {
    throw new ClearanceError(
      ErrorCodes.configError,
      `decision log sampling.allowRate: ${rate} is not within 0..1`,
    )
  }
  const prefixes = (config.dropPathPrefixes ?? []).map(normalize).filter((prefix) => prefix !== '')
  const random = config.random ?? Math.random
  return (record) => {
    for (const prefix of prefixes) {
      // "a/b" drops "a/b" and "a/b/c", not "a/bc".
      if (
        record.path.startsWith(prefix) &&
        (record.path.length === prefix.length || record.path.charCodeAt(prefix.length) === 47)
      ) {
        return 'path_rule'
      }
    }
    if (rate < 1 && record.error === undefined) {
      const outcome = record.outcome ?? classifyResult(record.result)
      if (outcome === 'allow' && random() >= rate) return 'sampled'
    }
    return undefined
  }
}
