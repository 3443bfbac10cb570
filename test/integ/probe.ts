/**
 * The integration test's probe Lambda: what a user does, from inside the deployed account. It triggers and
 * reads runs through the REST API with SigV4 (the same ApiClient the CLI uses) and reads the registered model
 * from the artifact bucket.
 */
import { ApiClient } from '../../lib/client';
import { openStore } from '../../lib/store';
import type { Hash } from '../../lib/store/types';

interface ProbeEvent {
  readonly action: 'trigger' | 'status' | 'model';
  readonly pipeline: string;
  readonly idempotencyKey?: string;
  readonly runId?: string;
}

export async function handler(event: ProbeEvent): Promise<Record<string, unknown>> {
  const client = new ApiClient({ api: process.env.PIPEWRIGHT_API!, region: process.env.AWS_REGION });
  const runs = `/pipelines/${encodeURIComponent(event.pipeline)}/runs`;
  if (event.action === 'trigger') {
    const res = await client.request<{ runId: string }>('POST', runs, { parameters: {}, idempotencyKey: event.idempotencyKey });
    return { statusCode: res.statusCode, runId: res.body.runId };
  }
  if (event.action === 'status') {
    const res = await client.request<{ status: string; steps: Record<string, { status: string }> }>('GET', `${runs}/${event.runId}`);
    const steps = Object.values(res.body.steps ?? {});
    return {
      statusCode: res.statusCode,
      status: res.body.status,
      allReused: steps.length > 0 && steps.every((s) => s.status === 'reused'),
    };
  }
  const store = openStore(process.env.PIPEWRIGHT_STORE);
  const doc = await store.getJson<{ outputs: Record<string, Hash> }>(`runs/${event.runId}/register.json`);
  const model = JSON.parse((await store.getBytes(doc!.outputs.registered)).toString('utf8')) as { accuracy?: number };
  return { registered: true, accuracy: model.accuracy ?? null };
}
