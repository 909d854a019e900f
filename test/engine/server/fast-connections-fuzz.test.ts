// Fast connections against Node's parser, byte for byte: seeded mutations of a data API POST (header case and
// spacing, Content-Length off by one, with leading zeros, twice or as a list, Transfer-Encoding beside it, bare LF,
// line folding, another method or version, a body shorter or longer than declared, a request line with extra
// spaces), each followed on the same connection by a plain POST, go to two servers alike but for fast connections.
// Both must answer the same statuses and bodies (decision ids aside) and close alike: if the fast path framed a
// request differently from Node (the root of request smuggling), the answer to the request behind it would differ.
// Sent as two writes (the plain POST after the first answer) or as one, the two servers must agree exactly, but for
// one case: where bytes that are not a request follow a request in one read, Node's parser refuses them with its
// own 400, at once (reading ahead, the request before goes unanswered) or after the answer before, depending on
// how the bytes reached it; the fast path answers the request and gives Node the rest. There the plain POST behind
// must be answered by both or by neither, and a first request both answered must have the same answer.
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPolicyRegistry } from '../../../engine/activation/policy-registry.js'
import { loadBundleFromPath } from '../../../engine/bundle/index.js'
import { createDecider } from '../../../engine/decision/decider.js'
import { createPolicySet } from '../../../engine/policy/policy-set.js'
import { createHttpHandlers } from '../../../engine/server/index.js'
import { type Listening, listen } from '../../../engine/server/listen.js'
import { silentLog } from '../../helpers/app.js'
import { buildFixture } from '../../helpers/fixtures.js'
import { seededRandom } from '../../helpers/seeded-random.js'

const SEED = 20261203
const CASES = 300
const BATCH = 20
const WAIT_MS = 500
const GAP_MS = 150

const BODY = '{"input":{"user":"alice"}}'
const PLAIN_BODY = '{"input":{"plain":true}}'
/** The request behind each mutated one: its answer (it echoes the input) is told apart from the mutated's. */
const PLAIN = `POST /v1/data/example/authz/echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${PLAIN_BODY.length}\r\n\r\n${PLAIN_BODY}`
const PLAIN_ANSWER = '"result":{"plain":true}'

type Mutation = (lines: string[], body: string) => { lines: string[]; body: string }
const MUTATIONS: Mutation[] = [
  (lines, body) => ({ lines: lines.map((l, i) => (i === 0 ? l : l.toUpperCase())), body }),
  (lines, body) => ({ lines: lines.map((l, i) => (i === 0 ? l : l.replace(': ', ':\t  '))), body }),
  (lines, body) => ({
    lines: lines.map((l) =>
      l.replace(/^Content-Length: (\d+)/, (_, n) => `Content-Length: ${Number(n) + 1}`),
    ),
    body,
  }),
  (lines, body) => ({
    lines: lines.map((l) =>
      l.replace(/^Content-Length: (\d+)/, (_, n) => `Content-Length: ${Number(n) - 1}`),
    ),
    body,
  }),
  (lines, body) => ({ lines: lines.map((l) => l.replace(/^Content-Length: /, 'Content-Length: 00')), body }),
  (lines, body) => ({ lines: [...lines, lines.find((l) => l.startsWith('Content-Length'))!], body }),
  (lines, body) => ({
    lines: lines.map((l) => l.replace(/^Content-Length: (\d+)/, 'Content-Length: $1, $1')),
    body,
  }),
  (lines, body) => ({ lines: [...lines, 'Transfer-Encoding: chunked'], body }),
  (lines, body) => ({ lines: [...lines, 'X-Folded: a', ' b'], body }),
  (lines, body) => ({ lines: [...lines, 'Connection: close'], body }),
  (lines, body) => ({ lines: [...lines, 'Connection: keep-alive, Upgrade'], body }),
  (lines, body) => ({ lines: [...lines, 'Expect: 100-continue'], body }),
  (lines, body) => ({ lines: lines.filter((l) => !l.startsWith('Host')), body }),
  (lines, body) => ({ lines: [...lines, 'Host: y'], body }),
  (lines, body) => ({ lines: [lines[0]!.replace('HTTP/1.1', 'HTTP/1.0'), ...lines.slice(1)], body }),
  (lines, body) => ({ lines: [lines[0]!.replace('POST', 'PUT'), ...lines.slice(1)], body }),
  (lines, body) => ({ lines: [lines[0]!.replace(' /', '  /'), ...lines.slice(1)], body }),
  (lines, body) => ({ lines: [lines[0]!.replace('allow', 'al%6Cow'), ...lines.slice(1)], body }),
  (lines, body) => ({ lines: [...lines, 'Content-Encoding: gzip'], body }),
  (lines, body) => ({ lines: [...lines, 'X-Bad: a\u0001b'], body }),
  (lines, body) => ({ lines: [...lines, 'Bad Name: a'], body }),
  (lines, body) => ({ lines, body: `${body}  ` }),
  (lines, body) => ({ lines, body: body.slice(0, -2) }),
]

function mutated(random: () => number): string {
  let lines = ['POST /v1/data/example/authz/allow HTTP/1.1', 'Host: x', `Content-Length: ${BODY.length}`]
  let body = BODY
  const count = 1 + Math.floor(random() * 2)
  for (let i = 0; i < count; i++) {
    ;({ lines, body } = MUTATIONS[Math.floor(random() * MUTATIONS.length)]!(lines, body))
  }
  const eol = random() < 0.05 ? '\n' : '\r\n'
  return `${lines.join(eol)}${eol}${eol}${body}`
}

/** What the server wrote (dates and decision ids masked) and whether it closed, within WAIT_MS. */
function exchange(url: string, parts: string[]): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    let text = ''
    const socket = connect({ host: hostname, port: Number(port) }, async () => {
      for (const [i, part] of parts.entries()) {
        if (i > 0) await new Promise((r) => setTimeout(r, GAP_MS))
        if (!socket.destroyed) socket.write(part, 'latin1')
      }
    })
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1')
    })
    socket.on('error', () => {})
    const masked = () =>
      text
        .replace(/Date: [^\r]*/g, 'Date: <date>')
        .replace(/"decision_id":"[0-9a-f-]{36}"/g, '"decision_id":"<id>"')
    const timer = setTimeout(() => {
      socket.destroy()
      resolve(`${masked()}\n<open>`)
    }, WAIT_MS)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(`${masked()}\n<closed>`)
    })
  })
}

describe('fast connections frame every request as Node does', () => {
  const servers: Listening[] = []

  beforeAll(async () => {
    const registry = createPolicyRegistry()
    registry.activate(await createPolicySet([await loadBundleFromPath('basic', await buildFixture('basic'))]))
    for (const fast of [false, true]) {
      const handlers = createHttpHandlers({
        decider: createDecider({ registry }),
        config: {
          defaultDecision: 'system/main',
          maxBodyBytes: 4096,
          json: { maxDepth: 16, maxElements: 1000 },
        },
        log: silentLog,
        version: 'test',
        bundlesNotReady: () => undefined,
      })
      servers.push(
        await listen(
          handlers.app,
          {
            host: '127.0.0.1',
            port: 0,
            headersTimeoutMs: 10_000,
            requestTimeoutMs: 30_000,
            keepAliveTimeoutMs: 5000,
          },
          handlers.lean,
          fast ? handlers.fast : undefined,
        ),
      )
    }
  })

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()))
  })

  /** Node's own answer to bytes its parser refuses (client-errors.ts), and the answers before it. */
  const REFUSAL = 'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 64'
  const answersIn = (text: string) => text.split(/(?=HTTP\/1\.1 \d{3} )/).filter((a) => a.startsWith('HTTP/'))
  const decidedIn = (text: string) => answersIn(text).filter((a) => !a.startsWith(REFUSAL))

  for (const oneWrite of [false, true]) {
    it(`answers ${CASES} mutated requests with a plain one behind (${oneWrite ? 'one write' : 'two writes'}) as Node does`, async () => {
      const random = seededRandom(SEED + (oneWrite ? 1 : 0))
      const cases = Array.from({ length: CASES }, () => [mutated(random), PLAIN])
      let decided = 0
      let readAhead = 0
      for (let at = 0; at < cases.length; at += BATCH) {
        const batch = cases.slice(at, at + BATCH).map((parts) => (oneWrite ? [parts.join('')] : parts))
        const [node, fast] = await Promise.all(
          servers.map((server) => Promise.all(batch.map((parts) => exchange(server.url, parts)))),
        )
        batch.forEach((parts, i) => {
          const request = parts.join('')
          const [n, f] = [node![i]!, fast![i]!]
          if (n !== f && (n.includes(REFUSAL) || f.includes(REFUSAL))) {
            // Bytes that are not a request follow the mutated one: Node's parser refuses them, reading ahead or
            // not. The request behind them is answered by neither, or by both.
            readAhead++
            expect({ request, plainAnswered: f.includes(PLAIN_ANSWER) }).toEqual({
              request,
              plainAnswered: n.includes(PLAIN_ANSWER),
            })
            const [decidedNode, decidedFast] = [decidedIn(n), decidedIn(f)]
            if (decidedNode.length === 1 && decidedFast.length === 1) expect(decidedFast).toEqual(decidedNode)
            return
          }
          expect({ request, answer: f }).toEqual({ request, answer: n })
          if (node![i]!.includes('HTTP/1.1 200')) decided++
        })
      }
      // the mutations are not all refused: many are read and decided by both
      expect(decided).toBeGreaterThan(CASES / 4)
      expect(readAhead).toBeLessThan(CASES / 4)
    })
  }
})
