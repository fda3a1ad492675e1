// The simulated pool: a FIFO queue, pods that start, consume at prefetch concurrency and drain on removal.
import type { Clock } from './events.ts';
import type { Workload } from './workloads.ts';

export interface PoolParams {
  /** Seconds from pod creation to Ready (consuming). */
  readonly startS: number;
  /** Concurrent messages per pod (the runtime's prefetch). */
  readonly prefetch: number;
  /** Victims on scale-down, after not-yet-ready pods: the idlest first (ours, by unacked) or the newest (ReplicaSet, HareMq). */
  readonly victims: 'idleFirst' | 'newestFirst';
}

interface Pod {
  readonly id: number;
  readonly createdAt: number;
  ready: boolean;
  draining: boolean;
  inFlight: number;
}

/** What a depth read sees right now (the management API's unacked lags; see statsUnacked). */
export interface Observation {
  readonly ready: number;
  readonly unacked: number;
  /** Pods not being removed (a Deployment's status.replicas). */
  readonly activePods: number;
}

export class SimPool {
  target: number;
  scaleEvents = 0;
  podSeconds = 0;
  readonly waits: Float64Array;
  readonly #clock: Clock;
  readonly #w: Workload;
  readonly #p: PoolParams;
  readonly #queue: number[] = [];
  #head = 0;
  #pods: Pod[] = [];
  #nextId = 0;
  #rr = 0;
  /** Per-pod unacked as the management API last published it (statistics every 5 s). */
  #stats = new Map<number, number>();
  #published = 0;
  #settled = 0;
  #mark = { at: 0, published: 0, settled: 0 };
  #rates = { publish: 0, deliverGet: 0 };

  constructor(clock: Clock, workload: Workload, params: PoolParams, initial: number) {
    this.#clock = clock;
    this.#w = workload;
    this.#p = params;
    this.waits = new Float64Array(workload.arrivals.length).fill(NaN);
    this.target = initial;
    for (let i = 0; i < initial; i++) this.#pods.push({ id: this.#nextId++, createdAt: 0, ready: true, draining: false, inFlight: 0 });
  }

  observe(): Observation {
    const unacked = this.#pods.reduce((n, p) => n + p.inFlight, 0);
    return { ready: this.#queue.length - this.#head, unacked, activePods: this.#pods.filter((p) => !p.draining).length };
  }

  /** Unacked as the management API reports it: the total at its last statistics emission. */
  statsUnacked(): number {
    let n = 0;
    for (const v of this.#stats.values()) n += v;
    return n;
  }

  /** Called every 5 s: the broker's statistics emission. */
  publishStats(): void {
    this.#stats = new Map(this.#pods.map((p) => [p.id, p.inFlight]));
    const dt = this.#clock.now - this.#mark.at;
    if (dt > 0) this.#rates = { publish: (this.#published - this.#mark.published) / dt, deliverGet: (this.#settled - this.#mark.settled) / dt };
    this.#mark = { at: this.#clock.now, published: this.#published, settled: this.#settled };
  }

  /** publish_details.rate and deliver_get_details.rate as the last statistics emission gave them (per second). */
  statsRates(): { publish: number; deliverGet: number } {
    return this.#rates;
  }

  arrive(i: number): void {
    this.#queue.push(i);
    this.#published++;
    this.#dispatch();
  }

  /** spec.replicas changes; the reconciler acts at once (pod start latency is modelled on the pods). */
  setTarget(n: number): void {
    if (n === this.target) return;
    this.target = n;
    this.scaleEvents++;
    const active = this.#pods.filter((p) => !p.draining);
    for (let k = active.length; k < n; k++) this.#create();
    if (active.length > n) for (const victim of this.#rank(active).slice(0, active.length - n)) this.#remove(victim);
  }

  /** Closes the books at the horizon: running pods' time, messages never started. */
  finish(end: number): number {
    for (const p of this.#pods) this.podSeconds += end - p.createdAt;
    let unserved = 0;
    for (let k = this.#head; k < this.#queue.length; k++) {
      const i = this.#queue[k]!;
      this.waits[i] = end - this.#w.arrivals[i]!;
      unserved++;
    }
    return unserved;
  }

  #create(): void {
    const pod: Pod = { id: this.#nextId++, createdAt: this.#clock.now, ready: false, draining: false, inFlight: 0 };
    this.#pods.push(pod);
    this.#clock.after(this.#p.startS, () => {
      if (pod.draining) return;
      pod.ready = true;
      this.#dispatch();
    });
  }

  #rank(active: Pod[]): Pod[] {
    const idle = this.#p.victims === 'idleFirst';
    return [...active].sort((a, b) => {
      if (a.ready !== b.ready) return a.ready ? 1 : -1;
      if (idle) {
        const d = (this.#stats.get(a.id) ?? 0) - (this.#stats.get(b.id) ?? 0);
        if (d !== 0) return d;
      }
      return b.id - a.id;
    });
  }

  /** basic.cancel: no new deliveries; the pod leaves once its in-flight messages are done. */
  #remove(pod: Pod): void {
    pod.draining = true;
    if (pod.inFlight === 0) this.#gone(pod);
  }

  #gone(pod: Pod): void {
    this.podSeconds += this.#clock.now - pod.createdAt;
    this.#pods = this.#pods.filter((p) => p !== pod);
  }

  /** The broker's round-robin over consumers with free prefetch. */
  #dispatch(): void {
    while (this.#head < this.#queue.length) {
      const pod = this.#freePod();
      if (pod === undefined) return;
      const i = this.#queue[this.#head++]!;
      pod.inFlight++;
      this.waits[i] = this.#clock.now - this.#w.arrivals[i]!;
      this.#clock.after(this.#w.service[i]!, () => this.#done(pod));
    }
    if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #freePod(): Pod | undefined {
    const n = this.#pods.length;
    for (let k = 0; k < n; k++) {
      const pod = this.#pods[(this.#rr + k) % n]!;
      if (pod.ready && !pod.draining && pod.inFlight < this.#p.prefetch) {
        this.#rr = (this.#rr + k + 1) % n;
        return pod;
      }
    }
    return undefined;
  }

  #done(pod: Pod): void {
    pod.inFlight--;
    this.#settled++;
    if (pod.draining && pod.inFlight === 0) this.#gone(pod);
    else this.#dispatch();
  }
}
