/**
 * A MOCK of the Step Functions (awsJson1_0) and AWS Batch (restJson1) HTTP APIs on loopback, for the cloud
 * dependencies of the trigger API.
 *
 * A mock, not an emulator, and only because nothing better exists offline: moto's Step Functions emulation
 * proved too incomplete to build tests on (no versions or aliases, no execution names from StartExecution
 * idempotency, no Batch job parameters). It implements just the operations `createCloudDeps` calls, keeps the
 * state they touch in memory, and records every call so tests can assert the exact requests the real AWS
 * SDK clients sent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One recorded call. */
export interface MockCall {
  readonly service: 'sfn' | 'batch';
  readonly op: string;
  readonly input: any;
}

/** A state machine version in the mock. */
export interface MockVersion {
  readonly version: number;
  readonly definition: string;
  readonly createdAt: Date;
}

/** An execution in the mock. */
export interface MockExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  startDate: Date;
  stopDate?: Date;
  error?: string;
  cause?: string;
  stateMachineVersionArn?: string;
  stateMachineAliasArn?: string;
  /** GetExecutionHistory events, oldest first. @default - none */
  history?: unknown[];
}

/** A Batch job in the mock. */
export interface MockJob {
  jobId: string;
  jobName: string;
  jobQueue: string;
  status: string;
  createdAt: number;
  parameters: Record<string, string>;
}

/** Batch REST paths → operation names. */
const BATCH_OPS: Record<string, string> = { '/v1/listjobs': 'ListJobs', '/v1/describejobs': 'DescribeJobs', '/v1/terminatejob': 'TerminateJob' };

class AwsError extends Error {
  constructor(public readonly type: string, message: string, public readonly status = 400) {
    super(message);
  }
}

/** The mock's state and server. */
export class MockAws {
  readonly calls: MockCall[] = [];
  readonly versions = new Map<string, MockVersion[]>();
  readonly aliases = new Map<string, { stateMachineArn: string; version: number }>();
  readonly executions = new Map<string, MockExecution>();
  readonly jobs: MockJob[] = [];
  private server?: Server;
  endpoint = '';

  /** Adds a state machine with versions and a `live` alias on the last one. */
  addStateMachine(arn: string, definitions: readonly string[]): { aliasArn: string } {
    this.versions.set(arn, definitions.map((definition, i) => ({ version: i + 1, definition, createdAt: new Date(Date.UTC(2026, 10, i + 1)) })));
    const aliasArn = `${arn}:live`;
    this.aliases.set(aliasArn, { stateMachineArn: arn, version: definitions.length });
    return { aliasArn };
  }

  callsOf(op: string): any[] {
    return this.calls.filter((c) => c.op === op).map((c) => c.input);
  }

  private sfn(op: string, input: any): unknown {
    switch (op) {
      case 'ListStateMachineVersions': {
        const vs = this.versions.get(input.stateMachineArn);
        if (!vs) throw new AwsError('StateMachineDoesNotExist', 'no such state machine');
        return {
          stateMachineVersions: [...vs].reverse().map((v) => ({ stateMachineVersionArn: `${input.stateMachineArn}:${v.version}`, creationDate: v.createdAt.getTime() / 1000 })),
        };
      }
      case 'DescribeStateMachineAlias': {
        const a = this.aliases.get(input.stateMachineAliasArn);
        if (!a) throw new AwsError('ResourceNotFound', 'no such alias');
        return {
          stateMachineAliasArn: input.stateMachineAliasArn,
          name: 'live',
          routingConfiguration: [{ stateMachineVersionArn: `${a.stateMachineArn}:${a.version}`, weight: 100 }],
        };
      }
      case 'DescribeStateMachine': {
        const m = /^(.*:stateMachine:[^:]+):(\d+)$/.exec(input.stateMachineArn);
        const v = m ? this.versions.get(m[1])?.find((x) => x.version === Number(m[2])) : undefined;
        if (!v) throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${input.stateMachineArn}'`);
        return { stateMachineArn: input.stateMachineArn, name: 'x', definition: v.definition, roleArn: 'arn:aws:iam::123456789012:role/x', type: 'STANDARD', creationDate: v.createdAt.getTime() / 1000 };
      }
      case 'StartExecution': {
        let smArn: string;
        let versionArn: string;
        let aliasArn: string | undefined;
        const alias = this.aliases.get(input.stateMachineArn);
        if (alias) {
          smArn = alias.stateMachineArn;
          versionArn = `${smArn}:${alias.version}`;
          aliasArn = input.stateMachineArn;
        } else {
          const m = /^(.*:stateMachine:[^:]+):(\d+)$/.exec(input.stateMachineArn);
          if (!m || !this.versions.get(m[1])?.some((v) => v.version === Number(m[2]))) throw new AwsError('StateMachineDoesNotExist', 'no such version');
          smArn = m[1];
          versionArn = input.stateMachineArn;
        }
        const executionArn = `${smArn.replace(':stateMachine:', ':execution:')}:${input.name}`;
        const existing = this.executions.get(executionArn);
        if (existing) {
          if (existing.status === 'RUNNING' && existing.input === input.input) return { executionArn, startDate: existing.startDate.getTime() / 1000 };
          throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
        }
        const e: MockExecution = {
          executionArn,
          stateMachineArn: smArn,
          name: input.name,
          input: input.input,
          status: 'RUNNING',
          startDate: new Date(),
          stateMachineVersionArn: versionArn,
          stateMachineAliasArn: aliasArn,
        };
        this.executions.set(executionArn, e);
        return { executionArn, startDate: e.startDate.getTime() / 1000 };
      }
      case 'DescribeExecution': {
        const e = this.executions.get(input.executionArn);
        if (!e) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${input.executionArn}'`);
        return {
          executionArn: e.executionArn,
          stateMachineArn: e.stateMachineArn,
          name: e.name,
          status: e.status,
          startDate: e.startDate.getTime() / 1000,
          ...(e.stopDate ? { stopDate: e.stopDate.getTime() / 1000 } : {}),
          input: e.input,
          ...(e.error ? { error: e.error } : {}),
          ...(e.cause ? { cause: e.cause } : {}),
          ...(e.stateMachineVersionArn ? { stateMachineVersionArn: e.stateMachineVersionArn } : {}),
          ...(e.stateMachineAliasArn ? { stateMachineAliasArn: e.stateMachineAliasArn } : {}),
        };
      }
      case 'GetExecutionHistory': {
        const e = this.executions.get(input.executionArn);
        if (!e) throw new AwsError('ExecutionDoesNotExist', 'no such execution');
        const events = [...(e.history ?? [])];
        return { events: input.reverseOrder ? events.reverse() : events };
      }
      case 'ListExecutions': {
        // Newest first, `maxResults` per page, an opaque `nextToken` (here: the offset), as the SFN API reference describes.
        const all = [...this.executions.values()]
          .filter((e) => e.stateMachineArn === input.stateMachineArn)
          .sort((a, b) => b.startDate.getTime() - a.startDate.getTime() || b.name.localeCompare(a.name));
        const from = input.nextToken ? Number(Buffer.from(input.nextToken, 'base64').toString()) : 0;
        const size = input.maxResults || 100;
        const page = all.slice(from, from + size);
        return {
          executions: page.map((e) => ({ executionArn: e.executionArn, stateMachineArn: e.stateMachineArn, name: e.name, status: e.status, startDate: e.startDate.getTime() / 1000 })),
          ...(from + size < all.length ? { nextToken: Buffer.from(String(from + size)).toString('base64') } : {}),
        };
      }
      case 'StopExecution': {
        const e = this.executions.get(input.executionArn);
        if (!e) throw new AwsError('ExecutionDoesNotExist', 'no such execution');
        e.status = 'ABORTED';
        e.stopDate = new Date();
        e.error = input.error;
        e.cause = input.cause;
        return { stopDate: e.stopDate.getTime() / 1000 };
      }
      default:
        throw new AwsError('UnknownOperationException', `the mock does not implement ${op}`);
    }
  }

  private batch(path: string, input: any): unknown {
    switch (path) {
      case '/v1/listjobs': {
        const after = (input.filters ?? []).find((f: any) => f.name === 'AFTER_CREATED_AT');
        const since = after ? Number(after.values[0]) : 0;
        return {
          jobSummaryList: this.jobs
            .filter((j) => j.jobQueue === input.jobQueue && j.createdAt > since)
            .map((j) => ({ jobId: j.jobId, jobName: j.jobName, status: j.status, createdAt: j.createdAt })),
        };
      }
      case '/v1/describejobs':
        return {
          jobs: this.jobs
            .filter((j) => input.jobs.includes(j.jobId))
            .map((j) => ({ jobId: j.jobId, jobName: j.jobName, jobQueue: j.jobQueue, status: j.status, parameters: j.parameters, jobDefinition: 'jd', startedAt: j.createdAt })),
        };
      case '/v1/terminatejob': {
        const j = this.jobs.find((x) => x.jobId === input.jobId);
        if (!j) throw new AwsError('ClientException', 'no such job');
        j.status = 'FAILED';
        return {};
      }
      default:
        throw new AwsError('UnknownOperationException', `the mock does not implement ${path}`, 404);
    }
  }

  /** Starts the HTTP server; `endpoint` is set afterwards. */
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const input = body ? JSON.parse(body) : {};
        const target = req.headers['x-amz-target'];
        const isSfn = typeof target === 'string' && target.startsWith('AWSStepFunctions.');
        const op = isSfn ? (target as string).slice('AWSStepFunctions.'.length) : (req.url ?? '').split('?')[0];
        this.calls.push({ service: isSfn ? 'sfn' : 'batch', op: isSfn ? op : (BATCH_OPS[op] ?? op), input });
        try {
          const out = isSfn ? this.sfn(op, input) : this.batch(op, input);
          res.writeHead(200, { 'content-type': isSfn ? 'application/x-amz-json-1.0' : 'application/json' });
          res.end(JSON.stringify(out));
        } catch (err) {
          const e = err instanceof AwsError ? err : new AwsError('InternalFailure', String(err), 500);
          res.writeHead(e.status, { 'content-type': 'application/json', 'x-amzn-errortype': e.type });
          res.end(JSON.stringify({ __type: e.type, message: e.message }));
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
