// The `clearance` command as a user runs it: bin/clearance.js over the compiled CLI in dist/ (the test command
// builds it first). One-shot commands, and `clearance serve` as a child process on 127.0.0.1.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { join } from 'node:path'

export const CLEARANCE_BIN = join(import.meta.dirname, '..', '..', 'bin', 'clearance.js')

export interface CommandResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs `clearance <args>` to its end, `input` on stdin. */
export function runClearance(args: string[], input?: string): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile('node', [CLEARANCE_BIN, ...args], (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr })
    })
    if (input !== undefined) child.stdin?.end(input)
  })
}

export interface ServeProcess {
  child: ChildProcess
  /** http(s)://127.0.0.1:<port>, from the "server listening" log line. */
  url: string
  /** What the process wrote so far: its JSON log lines on stdout, anything else on stderr. */
  stdout(): string
  stderr(): string
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>
}

/** `clearance serve --addr 127.0.0.1:0 <args>`, resolved once it listens; rejects if it exits first. */
export async function startServe(args: string[]): Promise<ServeProcess> {
  const child = spawn('node', [CLEARANCE_BIN, 'serve', '--addr', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  // 'close' rather than 'exit': by then stdout and stderr are read to the end
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const match = /"addr":"(https?:\/\/[^"]+)"/.exec(stdout)
      if (match) resolve(match[1]!)
    })
    void exited.then((code) =>
      reject(new Error(`clearance serve exited with ${code} before listening:\n${stdout}${stderr}`)),
    )
  })
  return {
    child,
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}
