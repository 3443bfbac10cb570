/**
 * Scheduling and failure handling of the local engine: concurrency, CPU/memory/GPU admission, retries,
 * timeouts, Parallel-state stops and cancellation, with real subprocesses.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listRuns, loadRun, startRun } from '../../lib/engine';
import { UsageError } from '../../lib/errors';
import type { PipelineIR } from '../../lib/ir/types';
import { makeProject, statuses, type Project } from './support';

let p: Project;

beforeEach(async () => {
  p = await makeProject('pw-sched-');
});

afterEach(async () => {
  await p.cleanup();
});

/** A step that logs `start <name> <CUDA_VISIBLE_DEVICES>` and `end <name>` around a short sleep. */
function loggingStep(name: string, extra = ''): string {
  return `
  ${name}:
    command: [sh, -c, 'echo "start ${name} $CUDA_VISIBLE_DEVICES" >> "$LOG"; sleep 0.3; echo "end ${name}" >> "$LOG"; echo x > "$PW_OUTPUT_OUT"']
    env: { LOG: "${join('LOGDIR', 'log.txt')}" }
    outputs: [out]${extra}`;
}

/** The intervals [start, end) of each step in the log, as event indexes, with the devices it saw. */
function intervals(log: string): Array<{ step: string; start: number; end: number; devices: string[] }> {
  const lines = log.trim().split('\n');
  const out: Array<{ step: string; start: number; end: number; devices: string[] }> = [];
  lines.forEach((l, i) => {
    const [kind, step, devices] = l.split(' ');
    if (kind === 'start') out.push({ step, start: i, end: lines.indexOf(`end ${step}`), devices: devices ? devices.split(',') : [] });
  });
  return out;
}

function overlapping<T extends { start: number; end: number }>(xs: T[]): Array<[T, T]> {
  const pairs: Array<[T, T]> = [];
  for (let i = 0; i < xs.length; i++) {
    for (let j = i + 1; j < xs.length; j++) {
      if (xs[i].start < xs[j].end && xs[j].start < xs[i].end) pairs.push([xs[i], xs[j]]);
    }
  }
  return pairs;
}

async function writePipeline(body: string): Promise<PipelineIR> {
  await p.write('pipeline.yaml', `name: sched\nsteps:${body.replaceAll('LOGDIR', p.dir)}\n`);
  return p.load();
}

describe('scheduling', () => {
  it('runs at most --concurrency steps at once', async () => {
    const ir = await writePipeline(loggingStep('a') + loggingStep('b') + loggingStep('c'));
    const { doc } = await p.run(ir, { concurrency: 1 });
    expect(doc.status).toBe('succeeded');
    const spans = intervals(await readFile(join(p.dir, 'log.txt'), 'utf8'));
    expect(spans).toHaveLength(3);
    expect(overlapping(spans)).toEqual([]);
  });

  it('gives each GPU step its own devices, never shared between concurrent steps', async () => {
    const gpu = '\n    compute: { vcpus: 1, memory: 64, gpus: 1 }';
    const ir = await writePipeline(loggingStep('a', gpu) + loggingStep('b', gpu) + loggingStep('c', gpu) + loggingStep('d', gpu));
    const { doc } = await p.run(ir, { gpus: ['0', '1'], concurrency: 4 });
    expect(doc.status).toBe('succeeded');
    const spans = intervals(await readFile(join(p.dir, 'log.txt'), 'utf8'));
    expect(spans).toHaveLength(4);
    for (const s of spans) {
      expect(s.devices).toHaveLength(1);
      expect(['0', '1']).toContain(s.devices[0]);
    }
    for (const [x, y] of overlapping(spans)) expect(x.devices).not.toEqual(y.devices);
  });

  it('holds a GPU step back while another has the only GPU, though CPUs are free', async () => {
    const gpu = '\n    compute: { vcpus: 1, memory: 64, gpus: 1 }';
    const ir = await writePipeline(loggingStep('a', gpu) + loggingStep('b', gpu));
    const { doc } = await p.run(ir, { gpus: ['7'], concurrency: 4 });
    expect(doc.status).toBe('succeeded');
    const spans = intervals(await readFile(join(p.dir, 'log.txt'), 'utf8'));
    expect(spans.map((s) => s.devices)).toEqual([['7'], ['7']]);
    expect(overlapping(spans)).toEqual([]);
  });

  it('runs GPU steps without GPUs with PW_GPUS=0 and a warning', async () => {
    const ir = await writePipeline(`
  g:
    command: [sh, -c, 'echo "gpus=$PW_GPUS" > "$PW_OUTPUT_OUT"']
    compute: { vcpus: 1, memory: 64, gpus: 1 }
    outputs: [out]`);
    const { doc, events } = await p.run(ir, { gpus: [] });
    expect(doc.status).toBe('succeeded');
    expect(events.some((e) => e.type === 'warning' && /GPUs.*PW_GPUS=0/.test(e.message))).toBe(true);
    const out = await p.store.getBytes(doc.steps.g.outputs!.out as `sha256:${string}`);
    expect(out.toString()).toBe('gpus=0\n');
  });

  it('with requireGpus and no GPUs, fails with a UsageError before anything runs', async () => {
    const ir = await writePipeline(`
  g:
    command: [sh, -c, 'echo ran > "$PW_OUTPUT_OUT"']
    compute: { vcpus: 1, memory: 64, gpus: 1 }
    outputs: [out]`);
    const handle = startRun({ pipeline: ir, store: p.store, gpus: [], requireGpus: true });
    await expect(handle.result).rejects.toThrow(UsageError);
    await expect(handle.result).rejects.toThrow(/'g' ask for GPUs.*--require-gpus/);
    expect(await listRuns(p.store)).toEqual([]);
  });

  it('fails before the run starts when a step can never fit, with the numbers', async () => {
    const ir = await writePipeline(`
  huge:
    command: [sh, -c, 'echo ran > "$PW_OUTPUT_OUT"']
    compute: { vcpus: 4096, memory: 64, queue: gpu }   # EC2: a CPU (Fargate) queue rejects such sizes at validation
    outputs: [out]
  gpus:
    command: [sh, -c, 'echo ran > "$PW_OUTPUT_OUT"']
    compute: { vcpus: 1, memory: 64, gpus: 3 }
    outputs: [out]`);
    const handle = startRun({ pipeline: ir, store: p.store, gpus: ['0', '1'] });
    await expect(handle.result).rejects.toThrow(/steps\.huge\.compute: step 'huge' asks for 4096 vCPUs but this machine has \d+/);
    await expect(handle.result).rejects.toThrow(/step 'gpus' asks for 3 GPUs but this machine has 2/);
    expect(await listRuns(p.store)).toEqual([]);
  });

  it('rejects a concurrency that is not a positive integer', async () => {
    const ir = await writePipeline(loggingStep('a'));
    await expect(startRun({ pipeline: ir, store: p.store, concurrency: 0 }).result).rejects.toThrow(/--concurrency must be a positive integer/);
  });
});

describe('failures', () => {
  it('retries a failed attempt as many times as the step allows (attempts = retries + 1)', async () => {
    const ir = await writePipeline(`
  flaky:
    command: [sh, -c, 'n=$(cat "$COUNT" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$COUNT"; [ $n -ge 3 ] || exit 1; echo ok > "$PW_OUTPUT_OUT"']
    env: { COUNT: "LOGDIR/count" }
    retries: 2
    outputs: [out]`);
    const { doc, events } = await p.run(ir);
    expect(doc.steps.flaky.status).toBe('ran');
    expect(events.filter((e) => e.type === 'step-retrying').map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2]);
  });

  it("fails a step that runs past its timeout", async () => {
    const loaded = await writePipeline(`
  slow:
    command: [sh, -c, 'sleep 30; echo ok > "$PW_OUTPUT_OUT"']
    outputs: [out]
    retries: 0`);
    // The spec's smallest timeout is a minute: shorten it in the IR.
    const ir: PipelineIR = { ...loaded, steps: { slow: { ...loaded.steps.slow, timeoutSeconds: 1 } } };
    const { doc } = await p.run(ir);
    expect(doc.status).toBe('failed');
    expect(doc.steps.slow.status).toBe('failed');
    expect(doc.steps.slow.error).toMatch(/timed out after 1 s/);
  });

  it('a failing branch stops its running siblings: they are killed and marked skipped', async () => {
    const ir = await writePipeline(`
  bad:
    command: [sh, -c, 'sleep 0.5; exit 4']
    outputs: [out]
    retries: 0
  sleeper:
    command: [sh, -c, 'echo $$ > "$PIDFILE"; sleep 60; echo ok > "$PW_OUTPUT_OUT"']
    env: { PIDFILE: "LOGDIR/sleeper.pid" }
    outputs: [out]
  after_sleeper:
    command: [sh, -c, 'echo ok > "$PW_OUTPUT_OUT"']
    inputs: { x: sleeper.out }
    outputs: [out]`);
    const { doc } = await p.run(ir);
    expect(statuses(doc)).toEqual({ bad: 'failed', sleeper: 'skipped', after_sleeper: 'skipped' });
    const pid = Number((await readFile(join(p.dir, 'sleeper.pid'), 'utf8')).trim());
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('cancel() kills running steps and finishes the run as cancelled', async () => {
    const ir = await writePipeline(`
  slow:
    command: [sh, -c, 'sleep 60; echo ok > "$PW_OUTPUT_OUT"']
    outputs: [out]`);
    const handle = startRun({
      pipeline: ir,
      store: p.store,
      onEvent: (e) => {
        if (e.type === 'step-started') setTimeout(() => handle.cancel(), 200);
      },
    });
    const doc = await handle.result;
    expect(doc.status).toBe('cancelled');
    expect(doc.steps.slow.status).toBe('skipped');
    expect((await loadRun(p.store, handle.runId)).status).toBe('cancelled');
  });
});

describe('cancel before start', () => {
  it('a run cancelled before its first step runs nothing', async () => {
    const ir = await writePipeline(loggingStep('a') + loggingStep('b'));
    const handle = startRun({ pipeline: ir, store: p.store });
    handle.cancel();
    const doc = await handle.result;
    expect(doc.status).toBe('cancelled');
    expect(statuses(doc)).toEqual({ a: 'skipped', b: 'skipped' });
    expect(await readFile(join(p.dir, 'log.txt'), 'utf8').catch(() => 'no log')).toBe('no log');
  });
});

describe('run documents', () => {
  it('stores the document at runs/<runId>.json; latest and listRuns find it', async () => {
    const ir = await writePipeline(loggingStep('a'));
    const first = await p.run(ir);
    const second = await p.run(ir);
    expect(await p.store.getJson(`runs/${second.doc.runId}.json`)).toEqual(second.doc);
    expect((await loadRun(p.store, 'latest')).runId).toBe(second.doc.runId);
    expect((await listRuns(p.store)).map((d) => d.runId)).toEqual([first.doc.runId, second.doc.runId]);
    expect(Object.keys(second.doc)).toEqual([
      'runId',
      'pipeline',
      'status',
      'parameters',
      'startedAt',
      'durationMs',
      'steps',
      'store',
      'manifest',
    ]);
  });
});
