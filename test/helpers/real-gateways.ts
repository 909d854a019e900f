// Real nginx and Caddy (the Debian packages) as child processes on 127.0.0.1, configured from the copy-paste
// examples in docs/gateways/ with only addresses and file paths rewritten; a small upstream that records what
// reaches it; and an HTTPS client that speaks to them with a chosen Host, SNI and optional client certificate.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { type Agent, request } from 'node:https'
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net'
import { join } from 'node:path'
import { tempDir } from './fixtures.js'

export const DOCS_GATEWAYS = join(import.meta.dirname, '..', '..', 'docs', 'gateways')

export async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function waitForPort(
  port: number,
  child: ChildProcess,
  output: () => string,
  failed: () => Error | undefined,
): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const spawnError = failed()
    if (spawnError !== undefined)
      throw new Error(`gateway did not start (is it installed?): ${spawnError.message}`)
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}:\n${output()}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`gateway did not listen on ${port}:\n${output()}`)
}

export interface RunningGateway {
  port: number
  output(): string
  stop(): Promise<void>
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, port: number): Promise<RunningGateway> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
  let spawnError: Error | undefined
  child.once('error', (error) => {
    spawnError = error
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.once('error', () => resolve())
  })
  const stop = async () => {
    if (spawnError === undefined && child.exitCode === null && child.signalCode === null)
      child.kill('SIGTERM')
    await exited
  }
  return waitForPort(
    port,
    child,
    () => output,
    () => spawnError,
  ).then(
    () => ({ port, output: () => output, stop }),
    async (error) => {
      await stop()
      throw error
    },
  )
}

export interface GatewayFiles {
  clearanceAddr: string
  upstreamAddr: string
  certFile: string
  keyFile: string
  clientCaFile: string
}

/** nginx with docs/gateways/nginx.conf, included in a minimal nginx.conf whose files all live in a temp dir. */
export async function startNginx(files: GatewayFiles): Promise<RunningGateway> {
  const dir = await mkdtemp(join(await tempDir(), 'nginx-'))
  await mkdir(join(dir, 'logs'))
  const port = await freePort()
  const site = (await readFile(join(DOCS_GATEWAYS, 'nginx.conf'), 'utf8'))
    .replace('listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`)
    .replaceAll('127.0.0.1:8181', files.clearanceAddr)
    .replaceAll('127.0.0.1:8080', files.upstreamAddr)
    .replace('/etc/nginx/tls/shop.pem', files.certFile)
    .replace('/etc/nginx/tls/shop.key', files.keyFile)
    .replace('/etc/nginx/tls/mesh-ca.pem', files.clientCaFile)
  await writeFile(join(dir, 'site.conf'), site)
  const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`
  await writeFile(
    join(dir, 'nginx.conf'),
    [
      process.getuid?.() === 0 ? 'user root;' : '',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'logs', 'error.log')} warn;`,
      'events { worker_connections 256; }',
      'http {',
      `  access_log ${join(dir, 'logs', 'access.log')};`,
      `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
      `  include ${join(dir, 'site.conf')};`,
      '}',
    ].join('\n'),
  )
  return run(
    'nginx',
    ['-p', dir, '-e', join(dir, 'logs', 'error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    process.env,
    port,
  )
}

/** Caddy with docs/gateways/Caddyfile, bound to 127.0.0.1 on a free port, its admin endpoint off. */
export async function startCaddy(files: GatewayFiles): Promise<RunningGateway> {
  const dir = await mkdtemp(join(await tempDir(), 'caddy-'))
  const port = await freePort()
  const caddyfile = (await readFile(join(DOCS_GATEWAYS, 'Caddyfile'), 'utf8'))
    .replace('{\n', '{\n\tadmin off\n')
    .replaceAll(':443', `:${port}`)
    .replace(/(admin\.shop\.example:\d+ \{\n)/, '$1\tbind 127.0.0.1\n')
    .replaceAll('127.0.0.1:8181', files.clearanceAddr)
    .replaceAll('127.0.0.1:8080', files.upstreamAddr)
    .replace('/etc/caddy/tls/shop.pem', files.certFile)
    .replace('/etc/caddy/tls/shop.key', files.keyFile)
  await writeFile(join(dir, 'Caddyfile'), caddyfile)
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir }
  return run('caddy', ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], env, port)
}

export interface Reached {
  method: string
  url: string
  headers: IncomingHttpHeaders
}

/** An upstream that answers 200 "upstream" and remembers every request that reached it. */
export async function countingUpstream(): Promise<{
  addr: string
  reached: Reached[]
  close(): Promise<void>
}> {
  const reached: Reached[] = []
  const server: Server = createServer((req, res) => {
    reached.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    req.resume()
    res.end('upstream')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    addr: `127.0.0.1:${port}`,
    reached,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

export interface HttpsAnswer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

export function httpsRequest(
  port: number,
  options: {
    host: string
    path: string
    method?: string
    headers?: Record<string, string>
    ca: string
    cert?: string
    key?: string
    /** A keep-alive agent (benchmarks); by default every request has its own connection. */
    agent?: Agent
  },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        servername: options.host,
        path: options.path,
        method: options.method ?? 'GET',
        headers: { host: options.host, ...options.headers },
        ca: options.ca,
        ...(options.cert === undefined ? {} : { cert: options.cert, key: options.key }),
        agent: options.agent ?? false,
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          body += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.once('error', reject)
    req.end()
  })
}
