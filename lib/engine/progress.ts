/**
 * Progress a person can follow: a live view on a terminal, one plain line per event elsewhere.
 */
import type { FinishedStepResult as StepResult } from '../protocol';
import type { EngineEvent, RunDocument } from './types';

/** Where and how progress is written. */
export interface ProgressOptions {
  /** The stream (usually stderr). */
  readonly stream: NodeJS.WritableStream & { readonly columns?: number };
  /** Redraw a live view with ANSI control sequences; false = one plain line per event, no control characters. */
  readonly live: boolean;
  /** Print each step's stdout/stderr, prefixed with the step name. @default false */
  readonly verbose?: boolean;
}

/** Receives engine events and writes progress; `close()` stops the live view's timer. */
export interface ProgressReporter {
  onEvent(event: EngineEvent): void;
  close(): void;
}

type StepState = 'waiting' | 'checking' | 'queued' | 'running' | StepResult['status'];

interface StepView {
  state: StepState;
  startedAt?: number;
  endedAt?: number;
  attempt: number;
  result?: StepResult;
}

/** Formats milliseconds for people: `640 ms`, `1.2 s`, `3m 05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m}m ${String(s).padStart(2, '0')}s`;
}

/** Metrics as `name=value` pairs, fractions to 4 significant digits (`loss=0.08666 accuracy=0.9778`). */
export function formatMetrics(metrics: Readonly<Record<string, number>>): string {
  return Object.entries(metrics)
    .map(([name, v]) => `${name}=${Number.isInteger(v) ? v : Number(v.toPrecision(4))}`)
    .join(' ');
}

/** The end-of-run summary: counts by status, wall time and the time reuse saved. */
export function formatSummary(doc: RunDocument): string {
  const counts = { ran: 0, reused: 0, failed: 0, skipped: 0 };
  let saved = 0;
  for (const s of Object.values(doc.steps)) {
    counts[s.status] += 1;
    saved += s.savedMs ?? 0;
  }
  const lines = [
    `run ${doc.runId} ${doc.status} in ${formatDuration(doc.durationMs)}: ` +
      `${counts.ran} ran, ${counts.reused} reused, ${counts.failed} failed, ${counts.skipped} skipped; ` +
      `reuse saved ${formatDuration(saved)}`,
  ];
  for (const [name, s] of Object.entries(doc.steps)) {
    if (s.status === 'failed') lines.push(`  ${name} failed: ${s.error ?? 'unknown error'}`);
  }
  if (doc.error && counts.failed === 0) lines.push(`  ${doc.error}`);
  return lines.join('\n');
}

function describeResult(r: StepResult): string {
  switch (r.status) {
    case 'ran':
      return `ran in ${formatDuration(r.durationMs ?? 0)}`;
    case 'reused':
      return `reused${r.savedMs !== undefined ? ` (saved ${formatDuration(r.savedMs)})` : ''}`;
    case 'failed':
      return `failed: ${r.error ?? 'unknown error'}`;
    case 'skipped':
      return r.error ? `skipped (${r.error})` : 'skipped';
  }
}

/** Creates a reporter writing to `options.stream`. */
export function createProgressReporter(options: ProgressOptions): ProgressReporter {
  return options.live ? new LiveReporter(options) : new PlainReporter(options);
}

class PlainReporter implements ProgressReporter {
  private readonly t0 = Date.now();
  private readonly partial = new Map<string, string>();

  constructor(private readonly options: ProgressOptions) {}

  private line(text: string): void {
    const clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
    const t = ((Date.now() - this.t0) / 1000).toFixed(2).padStart(6);
    this.options.stream.write(`[${t}s] ${clean}\n`);
  }

  onEvent(e: EngineEvent): void {
    switch (e.type) {
      case 'run-started':
        this.line(`run ${e.runId}: pipeline ${e.pipeline}, ${e.steps.length} step(s)`);
        break;
      case 'step-started':
        this.line(`${e.step}: started${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`);
        break;
      case 'step-retrying':
        this.line(`${e.step}: attempt ${e.attempt} failed (${e.error}); retrying`);
        break;
      case 'step-finished':
        this.line(`${e.step}: ${describeResult(e.result)}`);
        break;
      case 'step-output':
        if (this.options.verbose) this.output(e.step, e.stream, e.text);
        break;
      case 'warning':
        this.line(`warning: ${e.message}`);
        break;
      case 'run-finished':
        this.flushOutput();
        this.options.stream.write(`${stripControl(formatSummary(e.document))}\n`);
        break;
      default:
        break;
    }
  }

  private output(step: string, stream: string, text: string): void {
    const id = `${step} ${stream}`;
    const lines = ((this.partial.get(id) ?? '') + text).split('\n');
    this.partial.set(id, lines.pop() ?? '');
    for (const l of lines) this.line(`${step}${stream === 'stderr' ? '!' : ''} | ${l}`);
  }

  private flushOutput(): void {
    for (const [id, rest] of this.partial) {
      if (rest) {
        const [step, stream] = id.split(' ');
        this.line(`${step}${stream === 'stderr' ? '!' : ''} | ${rest}`);
      }
    }
    this.partial.clear();
  }

  close(): void {
    this.flushOutput();
  }
}

function stripControl(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

const ICON: Record<StepState, string> = {
  waiting: '·',
  checking: '?',
  queued: '…',
  running: '▶',
  ran: '✓',
  reused: '↺',
  failed: '✗',
  skipped: '-',
};

class LiveReporter implements ProgressReporter {
  private readonly t0 = Date.now();
  private readonly steps = new Map<string, StepView>();
  private drawn = 0;
  private timer?: NodeJS.Timeout;
  private header = '';
  private readonly partial = new Map<string, string>();
  private finished = false;

  constructor(private readonly options: ProgressOptions) {}

  onEvent(e: EngineEvent): void {
    const now = Date.now();
    switch (e.type) {
      case 'run-started':
        this.header = `run ${e.runId} · ${e.pipeline}`;
        for (const s of e.steps) this.steps.set(s, { state: 'waiting', attempt: 1 });
        this.timer = setInterval(() => this.draw(), 200);
        this.timer.unref();
        break;
      case 'step-checking':
        this.view(e.step).state = 'checking';
        break;
      case 'step-queued':
        this.view(e.step).state = 'queued';
        break;
      case 'step-started': {
        const v = this.view(e.step);
        v.state = 'running';
        v.attempt = e.attempt;
        v.startedAt ??= now;
        break;
      }
      case 'step-finished': {
        const v = this.view(e.step);
        v.state = e.result.status;
        v.result = e.result;
        v.endedAt = now;
        break;
      }
      case 'step-output':
        if (this.options.verbose) this.output(e.step, e.stream, e.text);
        return;
      case 'warning':
        this.above(`warning: ${e.message}`);
        return;
      case 'run-finished':
        this.finished = true;
        this.draw();
        this.stop();
        this.options.stream.write(`${formatSummary(e.document)}\n`);
        return;
      default:
        break;
    }
    this.draw();
  }

  private view(step: string): StepView {
    let v = this.steps.get(step);
    if (!v) {
      v = { state: 'waiting', attempt: 1 };
      this.steps.set(step, v);
    }
    return v;
  }

  private output(step: string, stream: string, text: string): void {
    const id = `${step} ${stream}`;
    const lines = ((this.partial.get(id) ?? '') + text).split('\n');
    this.partial.set(id, lines.pop() ?? '');
    for (const l of lines) this.above(`${step}${stream === 'stderr' ? '!' : ''} | ${l}`);
  }

  /** Writes a line above the live block (erasing it first, redrawing after). */
  private above(text: string): void {
    this.erase();
    this.options.stream.write(`${text}\n`);
    this.draw();
  }

  private erase(): void {
    if (this.drawn > 0) this.options.stream.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    if (this.steps.size === 0) return;
    const now = Date.now();
    const width = Math.max(40, (this.options.stream.columns ?? 100) - 1);
    const lines: string[] = [];
    let done = 0;
    const nameWidth = Math.min(30, Math.max(...[...this.steps.keys()].map((s) => s.length)));
    for (const [name, v] of this.steps) {
      if (v.result) done += 1;
      const elapsed =
        v.result?.status === 'reused'
          ? ''
          : v.startedAt !== undefined
            ? formatDuration((v.endedAt ?? now) - v.startedAt)
            : '';
      // The elapsed column has the step's wall time; the detail adds no second duration for a step that ran.
      const detail = v.result
        ? v.result.status === 'ran'
          ? 'ran'
          : describeResult(v.result)
        : v.state === 'running' && v.attempt > 1
          ? `running (attempt ${v.attempt})`
          : v.state;
      const line = `${ICON[v.state]} ${name.padEnd(nameWidth)}  ${elapsed.padStart(8)}  ${detail}`;
      lines.push(line.length > width ? `${line.slice(0, width - 1)}…` : line);
    }
    const header = `${this.header} · ${done}/${this.steps.size} steps · ${formatDuration(now - this.t0)}`;
    lines.unshift(header.length > width ? header.slice(0, width) : header);
    this.erase();
    this.options.stream.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
    if (this.finished) this.drawn = 0;
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.stop();
  }
}
