/**
 * Resource-aware admission of steps: a counting semaphore over CPUs, memory, GPUs and a step count.
 *
 * Waiting steps are admitted first-fit in arrival order, so a large step does not hold back small ones
 * that fit beside the running steps.
 */

/** What one step asks for. */
export interface ResourceDemand {
  readonly vcpus: number;
  /** MiB. */
  readonly memory: number;
  readonly gpus: number;
}

/** The machine's capacity. */
export interface ResourceCapacity {
  readonly cpus: number;
  /** MiB. */
  readonly memory: number;
  /** Device ids, as CUDA_VISIBLE_DEVICES takes them. */
  readonly gpus: readonly string[];
  /** Most steps at once. */
  readonly concurrency: number;
}

/** Resources held by one running step until `release()`. */
export interface Lease {
  /** GPU ids reserved for this step (never shared with another running step). */
  readonly gpus: readonly string[];
  release(): void;
}

interface Waiter {
  readonly demand: ResourceDemand;
  readonly grant: (lease: Lease) => void;
}

/** A semaphore over the machine's resources. */
export class ResourcePool {
  private cpus: number;
  private memory: number;
  private slots: number;
  private readonly freeGpus: string[];
  private readonly waiting: Waiter[] = [];

  constructor(private readonly capacity: ResourceCapacity) {
    this.cpus = capacity.cpus;
    this.memory = capacity.memory;
    this.slots = capacity.concurrency;
    this.freeGpus = [...capacity.gpus];
  }

  /** Why a demand can never be met on this machine (undefined when it can). */
  whyNever(demand: ResourceDemand): string | undefined {
    const c = this.capacity;
    const problems: string[] = [];
    if (demand.vcpus > c.cpus) problems.push(`${demand.vcpus} vCPUs but this machine has ${c.cpus}`);
    if (demand.memory > c.memory) problems.push(`${demand.memory} MiB of memory but this machine has ${c.memory} MiB`);
    if (demand.gpus > c.gpus.length) problems.push(`${demand.gpus} GPUs but this machine has ${c.gpus.length}`);
    return problems.length ? `asks for ${problems.join(' and ')}` : undefined;
  }

  /** Waits until the demand fits, then holds it; rejects if the signal aborts first. */
  acquire(demand: ResourceDemand, signal?: AbortSignal): Promise<Lease> {
    const why = this.whyNever(demand);
    if (why) return Promise.reject(new Error(`A step ${why}.`));
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = { demand, grant: resolve };
      this.waiting.push(waiter);
      if (signal) {
        const onAbort = (): void => {
          const i = this.waiting.indexOf(waiter);
          if (i >= 0) {
            this.waiting.splice(i, 1);
            reject(signal.reason ?? new Error('aborted'));
          }
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this.admit();
    });
  }

  private fits(d: ResourceDemand): boolean {
    return this.slots >= 1 && d.vcpus <= this.cpus && d.memory <= this.memory && d.gpus <= this.freeGpus.length;
  }

  private admit(): void {
    for (let i = 0; i < this.waiting.length; ) {
      const w = this.waiting[i];
      if (!this.fits(w.demand)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.slots -= 1;
      this.cpus -= w.demand.vcpus;
      this.memory -= w.demand.memory;
      const gpus = this.freeGpus.splice(0, w.demand.gpus);
      let released = false;
      w.grant({
        gpus,
        release: () => {
          if (released) return;
          released = true;
          this.slots += 1;
          this.cpus += w.demand.vcpus;
          this.memory += w.demand.memory;
          this.freeGpus.push(...gpus);
          this.admit();
        },
      });
    }
  }
}
