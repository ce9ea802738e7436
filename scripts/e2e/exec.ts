import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Appends the command line and its combined output to this file. */
  readonly logFile?: string;
  /** Kill the command (and its children) after this long. */
  readonly timeoutMs?: number;
  /** Text for the child's stdin. */
  readonly input?: string;
}

export interface RunResult {
  /** Exit code; null when killed by a signal or a timeout. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly seconds: number;
}

/** Children still running, so that a signal handler can stop them (and only them). */
const running = new Set<ChildProcess>();

/**
 * Run a command to completion without a shell. The child leads its own process group, so a
 * timeout or an interrupt stops the whole tree it started (the CDK CLI starts the app through npx).
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  if (options.logFile) {
    fs.appendFileSync(options.logFile, `\n$ ${[command, ...args].join(' ')}\n`);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const log = (chunk: Buffer) => options.logFile && fs.appendFileSync(options.logFile, chunk);
    child.stdout!.on('data', (chunk: Buffer) => { stdout += chunk; log(chunk); });
    child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk; log(chunk); });
    child.stdin!.end(options.input ?? '');
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      killTree(child);
    }, options.timeoutMs);
    child.once('error', err => {
      running.delete(child);
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', code => {
      running.delete(child);
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** Stop every child started by `run` that is still running. */
export function killRunning(): void {
  for (const child of running) {
    killTree(child);
  }
}

function killTree(child: ChildProcess): void {
  if (child.pid === undefined) {
    return;
  }
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}

/** True if `command --version` (or the given args) runs. */
export async function commandWorks(command: string, args: readonly string[] = ['--version']): Promise<boolean> {
  try {
    const result = await run(command, args, { timeoutMs: 60_000 });
    return result.code === 0;
  } catch {
    return false;
  }
}

/** Last lines of a text, indented, for failure messages. */
export function lastLines(text: string, count: number, indent = '      '): string {
  return text.trimEnd().split('\n').filter(line => !/^npm warn Unknown (env|user) config/.test(line))
    .slice(-count).map(line => indent + line).join('\n');
}
