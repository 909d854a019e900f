// Real nginx on 127.0.0.1 as the load balancer in front of Clearance replicas: round robin, and a request that
// fails on one upstream (refused connection, reset, 502/503) retried on the next, POSTs included — the setting a
// pool behind a load balancer needs so that stopping a replica fails no request. Stopped by stop().
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './oci-registry.js'

export const NGINX_BIN = '/usr/sbin/nginx'
export const hasNginx = (): boolean => existsSync(NGINX_BIN)

export interface NginxProcess {
  url: string
  child: ChildProcess
  errorLog(): Promise<string>
  stop(): Promise<void>
}

/** The nginx.conf for a pool of upstreams (host:port each); also what docs/deploy.md shows. */
export function loadBalancerConfig(dir: string, port: number, upstreams: readonly string[]): string {
  const asRoot = process.getuid?.() === 0
  return `${asRoot ? 'user root;\n' : ''}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  upstream clearance {
${upstreams.map((upstream) => `    server ${upstream} max_fails=1 fail_timeout=10s;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://clearance;
      proxy_http_version 1.1;
      # a decision has no side effect: retrying a POST elsewhere is safe
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 1s;
      proxy_read_timeout 10s;
    }
  }
}
`
}

export async function startNginx(upstreams: readonly string[]): Promise<NginxProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'clearance-nginx-'))
  await mkdir(join(dir, 'tmp'), { recursive: true })
  const port = await freePort()
  const conf = join(dir, 'nginx.conf')
  await writeFile(conf, loadBalancerConfig(dir, port, upstreams))
  const child = spawn(NGINX_BIN, ['-p', dir, '-c', conf, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const until = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`)
    const up = await fetch(`${url}/health`).then(
      () => true,
      () => false,
    )
    if (up) break
    if (Date.now() > until) throw new Error(`nginx did not listen: ${stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    url,
    child,
    errorLog: async () => {
      const { readFile } = await import('node:fs/promises')
      return readFile(join(dir, 'error.log'), 'utf8').catch(() => '')
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT')
      await exited
      await rm(dir, { recursive: true, force: true })
    },
  }
}
