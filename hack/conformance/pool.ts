// The test pool the kit runs a consumer as: fresh names and the HARE_* environment the operator would set.
import { randomBytes } from 'node:crypto';
import { ENV } from '../../consumer-image/src/contract.ts';

export interface TestPool {
  readonly queue: string;
  readonly exchange: string;
  readonly podName: string;
  readonly prefetch: number;
  readonly queueType: 'classic' | 'quorum';
  readonly retryLimit: number;
  /** Ascending, as the operator passes them. */
  readonly retryDelaysMs: readonly number[];
  readonly drainTimeoutSeconds: number;
  readonly httpPort: number;
}

/** Seconds the operator adds to drain.timeoutSeconds for terminationGracePeriodSeconds. */
export { GRACE_MARGIN_SECONDS } from '../../consumer-image/src/contract.ts';

/** A pool on queues no one else uses: conformance.<random>. */
export function freshPool(queueType: TestPool['queueType'], httpPort: number, suffix = randomBytes(4).toString('hex')): TestPool {
  return {
    queue: `conformance.${suffix}`,
    exchange: `conformance.${suffix}.in`,
    podName: `conformance-${suffix}`,
    prefetch: 10,
    queueType,
    retryLimit: 2,
    retryDelaysMs: [300, 600],
    drainTimeoutSeconds: 20,
    httpPort,
  };
}

/** The environment of the consumer container, as operator/src/resources/pod.ts writes it (module only when given).
 * spec.queue.declare is `operator`, its default: the kit declares the topology before the consumer starts, as the operator does. */
export function poolEnv(pool: TestPool, brokerUri: string, module: string | undefined): Record<string, string> {
  const env: Record<string, string> = {
    [ENV.brokerUri]: brokerUri,
    [ENV.queue]: pool.queue,
    [ENV.exchange]: pool.exchange,
    [ENV.routingKey]: pool.queue,
    [ENV.prefetch]: String(pool.prefetch),
    [ENV.queueType]: pool.queueType,
    [ENV.declare]: 'operator',
    [ENV.retryLimit]: String(pool.retryLimit),
    [ENV.retryDelaysMs]: pool.retryDelaysMs.join(','),
    [ENV.drainTimeoutSeconds]: String(pool.drainTimeoutSeconds),
    [ENV.pool]: 'conformance',
    [ENV.podName]: pool.podName,
    [ENV.podNamespace]: 'conformance',
    [ENV.httpPort]: String(pool.httpPort),
  };
  if (module !== undefined) env[ENV.module] = module;
  return env;
}
