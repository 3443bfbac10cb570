/**
 * `pipewright serve [pipelines…]`: the trigger API on loopback, running pipelines on the local engine and
 * firing their schedules in-process — a local twin of the deployed service.
 */
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_PORT } from '../../client';
import { UsageError } from '../../errors';
import type { PipelineIR } from '../../ir';
import { DSL_EXTENSIONS, loadPipeline, SPEC_EXTENSIONS } from '../../spec';
import { openStore } from '../../store';
import { storeLocation } from '../private/paths';

interface ServeFlags {
  readonly port: string;
  readonly host: string;
  readonly store?: string;
  readonly auth: string;
  readonly schedules: boolean;
  readonly concurrency?: string;
  readonly api?: string;
  readonly region?: string;
}

/** The folder `serve` reads when no files are named. */
export const PIPELINES_DIR = 'pipelines';

/** Every definition file directly in `dir` (sorted); UsageError when there is none. */
export async function definitionFiles(dir: string): Promise<string[]> {
  const exts = new Set<string>([...SPEC_EXTENSIONS, ...DSL_EXTENSIONS]);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new UsageError(`No pipeline files named and no ${dir}/ folder here; run 'pipewright serve path/to/pipeline.yaml' or create ${dir}/.`);
  }
  const files = names.filter((n) => exts.has(extname(n)) && !n.endsWith('.d.ts') && !n.endsWith('.test.ts')).sort();
  if (files.length === 0) throw new UsageError(`${dir}/ holds no pipeline definitions (${[...exts].join(', ')}); name the files to serve.`);
  return files.map((f) => join(dir, f));
}

function localHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Waits for SIGINT or SIGTERM, then runs `close`. */
function untilSignal(close: (signal: string) => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      close(signal).then(resolve, resolve);
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

/** `serve --api <url>`: the web UI only, its reads forwarded (signed) to a deployed API. */
async function serveUiProxy(flags: ServeFlags, files: readonly string[]): Promise<void> {
  if (files.length > 0) throw new UsageError(`serve --api shows a deployed stack's runs and runs nothing locally; drop the definition files (${files.join(', ')}).`);
  const { ApiClient } = await import('../../client');
  const { startUiProxy } = await import('../../serve');
  const client = new ApiClient({ api: flags.api!, region: flags.region });
  const store = flags.store !== undefined ? openStore(storeLocation(flags.store)) : undefined;
  const proxy = await startUiProxy({
    client,
    store,
    port: Number(flags.port),
    host: flags.host,
    log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
  process.stdout.write(`pipewright serve: listening on ${proxy.url}\n`);
  process.stderr.write(`web UI: ${proxy.url}/ui/ (runs of ${flags.api}${store ? `, downloads from ${store.location}` : ''})\n`);
  await untilSignal(async () => proxy.close());
}

/** Registers `serve`. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve the trigger API on loopback for local pipelines (runs on the local engine, fires schedules in-process)')
    .argument('[pipelines...]', `definition files (default: every file in ${PIPELINES_DIR}/)`)
    .option('--port <n>', 'TCP port (0 = any free port)', String(DEFAULT_PORT))
    .option('--host <addr>', 'interface to listen on (loopback only)', '127.0.0.1')
    .option('--store <dir>', 'artifact store directory (default: $PIPEWRIGHT_STORE or ./.pipewright)')
    .option('--auth <mode>', "'none' accepts any request; 'sigv4' verifies SigV4 signatures against this process's AWS credentials", 'none')
    .option('--no-schedules', "do not fire the definitions' schedules")
    .option('--concurrency <n>', 'most steps at once per run (default: CPU count)')
    .option('--api <url>', 'serve only the web UI, reading runs from this deployed API (requests signed with your AWS credentials); --store s3://… enables downloads')
    .option('--region <region>', 'AWS region to sign --api requests for (default: $AWS_REGION, or the one in the URL)')
    .action(async (files: string[], flags: ServeFlags) => {
      if (!/^\d+$/.test(flags.port) || Number(flags.port) > 65535) {
        throw new UsageError(`--port: expected a port number 0-65535; received ${JSON.stringify(flags.port)}`);
      }
      if (!localHost(flags.host)) {
        throw new UsageError(`--host ${flags.host}: serve listens on loopback only (127.0.0.1, ::1 or localhost); it has no TLS and runs commands on this machine.`);
      }
      if (flags.api !== undefined) {
        await serveUiProxy(flags, files);
        return;
      }
      if (flags.auth !== 'none' && flags.auth !== 'sigv4') throw new UsageError(`--auth: expected 'none' or 'sigv4'; received ${JSON.stringify(flags.auth)}`);
      if (flags.concurrency !== undefined && (!/^\d+$/.test(flags.concurrency) || Number(flags.concurrency) < 1)) {
        throw new UsageError(`--concurrency: expected a positive integer; received ${JSON.stringify(flags.concurrency)}`);
      }
      let sigv4Credentials;
      if (flags.auth === 'sigv4') {
        try {
          const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
          sigv4Credentials = await fromNodeProviderChain()();
        } catch (err) {
          throw new UsageError(`--auth sigv4 needs AWS credentials to verify signatures against, and none were found (${(err as Error).message}).`);
        }
      }
      const paths = files.length > 0 ? files : await definitionFiles(PIPELINES_DIR);
      const pipelines: PipelineIR[] = [];
      for (const file of paths) pipelines.push(await loadPipeline(file));
      const store = openStore(storeLocation(flags.store));
      // Loaded on use: the server pulls in the whole local engine.
      const { startServer } = await import('../../serve');
      const server = await startServer({
        pipelines,
        store,
        port: Number(flags.port),
        host: flags.host,
        sigv4Credentials,
        schedules: flags.schedules,
        concurrency: flags.concurrency === undefined ? undefined : Number(flags.concurrency),
        log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
      });
      process.stdout.write(`pipewright serve: listening on ${server.url}\n`);
      process.stderr.write(`web UI: ${server.url}/ui/\n`);
      process.stderr.write(
        `serving ${pipelines.map((p) => p.name).join(', ')} from store ${store.location}${sigv4Credentials ? ' (SigV4 required)' : ''}\n`,
      );
      for (const s of server.scheduler?.upcoming() ?? []) {
        process.stderr.write(`schedule ${s.pipeline}/${s.schedule} ${s.expression} ${s.timezone}: next ${s.next?.toISOString() ?? 'never'}\n`);
      }
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          process.stderr.write(`${signal}: stopping (cancelling ${server.deps.activeRuns().length} active run(s))\n`);
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          server.close().then(resolve, resolve);
        };
        const onInt = (): void => stop('SIGINT');
        const onTerm = (): void => stop('SIGTERM');
        process.on('SIGINT', onInt);
        process.on('SIGTERM', onTerm);
      });
    });
}
