// When to poll a bundle server next, as OPA's downloader decides it: after a success, a uniformly random delay
// between polling.min_delay_seconds and max_delay_seconds (jitter spreads many instances out); after a failure,
// an immediate retry, then an exponential backoff from 100 ms by a factor of 1.6 up to the max delay, ±20% jitter.
import { DEFAULTS } from '../config/defaults.js'

export interface PollingConfig {
  minDelayMs: number
  maxDelayMs: number
}

/** OPA's defaults: 60 and 120 seconds. */
export const defaultPolling: PollingConfig = DEFAULTS.polling

const RETRY_BASE_MS = 100
const RETRY_FACTOR = 1.6
const RETRY_JITTER = 0.2

/** Milliseconds to wait before the next poll, given how many polls in a row have failed. */
export function pollDelay(
  polling: PollingConfig,
  failures: number,
  random: () => number = Math.random,
): number {
  if (failures === 0) return polling.minDelayMs + (polling.maxDelayMs - polling.minDelayMs) * random()
  if (failures === 1) return 0
  let backoff = RETRY_BASE_MS
  for (let left = failures - 1; backoff < polling.maxDelayMs && left > 0; left--) backoff *= RETRY_FACTOR
  backoff = Math.min(backoff, polling.maxDelayMs)
  return Math.max(0, backoff * (1 + RETRY_JITTER * (random() * 2 - 1)))
}
