// Every default value of Clearance, written once. The CLI's help shows these, the config module falls back to them,
// and a component that is built without a setting (tests, the SDK) takes the same value from here. This file
// imports nothing, so any folder may read it without a cycle: it is the one file reached past config/index.ts.

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

export const DEFAULTS = {
  /** `clearance serve --addr`: loopback, as OPA's default port. */
  addr: '127.0.0.1:8181',
  /** Document `POST /` answers. */
  defaultDecision: 'system/main',
  /** Decision entrypoint of `POST /v1/check`. */
  checkPath: 'clearance/authz/decision',
  logLevel: 'info',
  maxBodyBytes: 8 * MiB,
  /** Deepest JSON nesting and most JSON values accepted in a request. */
  jsonShape: { maxDepth: 64, maxElements: 100_000 },
  maxConcurrent: 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  /**
   * Idle time before a keep-alive connection is closed. OPA (Go's server) keeps idle connections open; pooled
   * clients (Python's http.client, SDK pools) reuse a connection after seconds of quiet and fail when it was closed.
   */
  keepAliveTimeoutMs: 120_000,
  /** Largest request line and headers together: Go's http.DefaultMaxHeaderBytes, so a 17 KB path is served as by OPA. */
  maxHeaderBytes: 1024 * 1024,
  /** Smallest response body sent gzipped to a client that accepts it (OPA's server.encoding.gzip.min_length). */
  gzipMinLength: 1024,
  /** Longest one evaluation may run on its thread before it is stopped and denied; 0 turns the limit off. */
  evalTimeoutMs: 1000,
  /**
   * Answers repeated inputs of deterministic policies from memory (engine/policy/decision-cache.ts), within these
   * bounds. 10,000 answers of a few hundred bytes each is a few MiB.
   */
  decisionCache: { enabled: true, maxEntries: 10_000, maxBytes: 16 * MiB },
  /**
   * Evaluation threads per policy module under the time limit: one runaway evaluation holds only one of them.
   * `auto`: `threads`, or one for a module whose data is `singleFromDataBytes` or more (each thread holds the data
   * in its wasm memory, ~8× its text: two threads on a 100 MiB catalog cost ~800 MiB more than one).
   */
  evalThreads: 'auto' as number | 'auto',
  evalThreadsAuto: { threads: 2, singleFromDataBytes: 64 * MiB },
  /**
   * Spare evaluation threads a process that reloads keeps warm (module graph imported, no policy yet), so that
   * activating a set does not wait for new threads to start (engine/policy/warm-threads.ts); ~23 MiB RSS each.
   */
  evalSpareThreads: 2,
  /** How long an evaluation (entrypoint and input) that overran is denied without running it again. */
  overrunCooldownMs: 60_000,
  /**
   * Evaluation on the serving thread, metered (engine/policy/loop-fuel.ts), for modules that call no host builtin
   * and whose data is small: `fuel` loop iterations per evaluation (the reference decision takes ~7,200; 50,000
   * is well under 10 ms of the heaviest loops measured), past which the evaluation goes to its thread under the
   * time limit. A module whose evaluations run out more than `exhaustionsPerSecond` times a second, and a client
   * whose evaluation ran out (for `clientCooldownMs`), go to the threads directly. `fuel` 0 turns it off. A module
   * whose evaluations take more than `cheapMicros` on average goes to the threads while they are working (under
   * load they run it beside the serving thread, worth a hand-off's ~20–40 µs of CPU only for a costly evaluation:
   * the reference decision, ~55 µs, served more decisions/s on the serving thread here), and is evaluated on the
   * serving thread when they are idle and for one evaluation in 64 (to keep the average current).
   */
  inlineEvaluation: {
    fuel: 50_000,
    maxDataBytes: 1 * MiB,
    exhaustionsPerSecond: 10,
    clientCooldownMs: 10_000,
    cheapMicros: 100,
  },
  authentication: 'off',
  /** What a watched bundle's deletion does. */
  onDelete: 'drop',
  /** Quiet time after the last file event before a watched bundle is read again. */
  reloadCooldownMs: 100,
  /** Wait between polls of a bundle server (jittered between the two). */
  polling: { minDelayMs: 60_000, maxDelayMs: 120_000 },
  /** One bundle download, headers and body. */
  bundleTimeoutMs: 30_000,
  /** Size bounds applied to every bundle read. */
  bundleLimits: {
    maxCompressedBytes: 256 * MiB,
    maxUnpackedBytes: 1 * GiB,
    maxFileBytes: 512 * MiB,
    maxFiles: 10_000,
    /** Real bundles unpack at 3–30×; gzip bombs at ~1000×. Checked once the archive unpacks past the floor. */
    maxCompressionRatio: 200,
    ratioFloorBytes: 16 * MiB,
    maxDataDepth: 512,
  },
  /** Bundles pulled from an OCI registry (`--bundle oci://…`); polling and timeouts are the bundle server's. */
  oci: {
    /** Largest manifest read; a bundle's manifest is a few hundred bytes. */
    maxManifestBytes: 4 * MiB,
  },
  /**
   * `--max-bundle-memory`: what loading and serving the bundles' data may take. The data limit is derived from it
   * (÷ dataMemoryFactor): 4 GiB admits 102 MiB of data text, a sixth of a 24 GiB machine.
   */
  maxBundleMemory: 4 * GiB,
  /**
   * Peak bytes of memory per byte of data text while it is loaded and served with two evaluation threads, measured
   * with bench/hardening.ts on catalog-shaped data: 50× at 32 MiB, 38× at 64 MiB; with the data parsed on a worker
   * thread, 41.7× at 100 MiB (peak RSS 4173 MiB, the process's own baseline included).
   */
  dataMemoryFactor: 40,
  /**
   * Bundles whose data files total this much or more are parsed, checked and encoded on a worker thread
   * (bundle/data-off-thread.ts), so the serving thread keeps answering while a large data.json loads.
   */
  dataOffThreadBytes: 1 * MiB,
  /** Bundle signatures: the key id and algorithm of a key given by flag. */
  verificationKeyId: 'default',
  signingAlg: 'RS256',
  decisionLog: {
    resource: '/logs',
    uploadLimitBytes: 32_768,
    /** Wait between uploads (jittered between the two). */
    minDelayMs: 5_000,
    maxDelayMs: 10_000,
    uploadTimeoutMs: 10_000,
    bufferEvents: 10_000,
    bufferBytes: 64 * MiB,
    allowSampleRate: 1,
  },
  /** The gateway faces: Envoy ext_authz (OPA-Envoy's decision path), forward-auth, AuthZEN. */
  gateways: {
    envoyDecision: 'envoy/authz/allow',
    envoyMaxRequestBytes: 4 * MiB,
    envoyMaxHeaderBytes: 64 * KiB,
    envoyJwtPayloadKey: 'jwt_payload',
    forwardAuthDecision: 'clearance/gateway/decision',
    clientCertHeader: 'x-forwarded-client-cert',
  },
  /** Decisions waiting for the shadow bundle before more go unshadowed. */
  shadowQueueEvents: 10_000,
  /** The service map page (`--ui`): auto serves it on loopback addresses only; where its catalog sits. */
  ui: {
    mode: 'auto',
    catalogPath: 'clearance/catalog',
    recentPerEdge: 20,
    maxPendingDecisions: 20_000,
    /**
     * Data documents up to this size (about a thousand catalog services) have their map laid out when they activate,
     * so the first page does not wait for it; a larger one's graph and layout (tens of MiB of heap at 10,000
     * services) are built when a page first asks for them.
     */
    eagerLayoutMaxDataBytes: 1 * MiB,
    /** How long a browser's sign-in to the map lasts under --authentication token. */
    sessionTtlMs: 8 * 60 * 60 * 1000,
  },
  /** Processes serving the port. */
  workers: '1',
  /** Policy folder `clearance build` compiles, and the bundle it writes. */
  buildSource: 'policies',
  buildOutput: 'bundles/clearance.tar.gz',
  /** What `clearance build` compiles into wasm entrypoints: every rule and package, as OPA answers them all. */
  buildEntrypoints: 'all',
} as const
