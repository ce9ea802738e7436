import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

/** Raised for expected failures (missing tool, server that does not start): printed without a stack trace. */
export class E2eError extends Error {}

/**
 * A moto server on a free loopback port, started from the machine's python3 through
 * `moto_server.py` (stock moto plus two narrow fidelity fixes, see that file).
 *
 * The server is stopped by the PID this class started, never by name.
 */
export class MotoServer {
  /**
   * Start a server and wait until it answers.
   *
   * @param logFile where the server's output goes
   */
  public static async start(python: string, logFile: string): Promise<MotoServer> {
    let lastError: unknown;
    // The port is free when we ask, but another process may take it before moto binds: retry.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const port = await freeLoopbackPort();
      const server = new MotoServer(python, port, logFile);
      try {
        await server.waitUntilReady(30_000);
        return server;
      } catch (e) {
        lastError = e;
        await server.stop();
      }
    }
    throw lastError;
  }

  /** Endpoint for the CDK CLI: moto's CloudFormation reads a template from its S3 only when the URL says localhost. */
  public readonly cliEndpoint: string;
  /** Endpoint for the SDK checks and the control API. */
  public readonly endpoint: string;
  private readonly child: ChildProcess;
  private exited = false;

  private constructor(python: string, public readonly port: number, private readonly logFile: string) {
    this.endpoint = `http://127.0.0.1:${port}`;
    this.cliEndpoint = `http://localhost:${port}`;
    const log = fs.openSync(logFile, 'a');
    this.child = spawn(python, [path.join(__dirname, 'moto_server.py'), '-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', log, log],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    fs.closeSync(log);
    this.child.on('exit', () => { this.exited = true; });
    this.child.on('error', () => { this.exited = true; });
  }

  public get pid(): number | undefined {
    return this.child.pid;
  }

  /** Forget every resource in every account and region (moto's control API). */
  public async reset(): Promise<void> {
    const response = await fetch(`${this.endpoint}/moto-api/reset`, { method: 'POST' });
    if (!response.ok) {
      throw new E2eError(`moto reset answered HTTP ${response.status}`);
    }
  }

  /** Stop the server by the PID started here; SIGKILL if it has not exited after 5 s. */
  public async stop(): Promise<void> {
    if (this.exited || this.child.pid === undefined) {
      return;
    }
    const exited = new Promise<void>(resolve => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = new Promise<'timeout'>(resolve => setTimeout(() => resolve('timeout'), 5_000).unref());
    if (await Promise.race([exited, timer]) === 'timeout') {
      this.child.kill('SIGKILL');
      await exited;
    }
  }

  /** Synchronous last resort for `process.on('exit')`, where no promise can run. */
  public killSync(): void {
    if (!this.exited && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) {
        throw new E2eError(`moto server exited during start-up; last lines of ${this.logFile}:\n${tail(this.logFile, 15)}`);
      }
      try {
        const response = await fetch(`${this.endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
        if (response.ok) {
          return;
        }
      } catch {
        // not listening yet
      }
      await new Promise(resolve => setTimeout(resolve, 200));
    }
    throw new E2eError(`moto server did not answer on ${this.endpoint} within ${timeoutMs / 1000} s; see ${this.logFile}`);
  }
}

/** A port that is free on 127.0.0.1 at the time of asking. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') {
          resolve(address.port);
        } else {
          reject(new E2eError('could not allocate a loopback port'));
        }
      });
    });
  });
}

/** The last `lines` lines of a file, or '' if it cannot be read. */
export function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf-8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
