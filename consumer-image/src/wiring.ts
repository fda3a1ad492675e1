// Assembly: builds metrics, processor, sessions, runtime and http server from a validated config.
import { createBatchProcessor } from './batcher.ts';
import type { BatchConfig, RuntimeConfig } from './config.ts';
import { createContext } from './context.ts';
import { startHttp } from './http.ts';
import type { HttpServer } from './http.ts';
import { InFlight } from './inflight.ts';
import type { Logger } from './logger.ts';
import type { ModuleHandler } from './module-loader.ts';
import { createMetrics } from './metrics.ts';
import { ackReport, createProcessor } from './processor.ts';
import type { SettlerDeps } from './processor.ts';
import type { Redactor } from './redact.ts';
import { ConsumerRuntime } from './runtime.ts';
import { openSession } from './session.ts';
import type { AnyProcessor } from './session.ts';
import { topologyPlan } from './topology.ts';

export interface AppInput {
  readonly config: RuntimeConfig;
  readonly handler: ModuleHandler;
  readonly logger: Logger;
  readonly redact: Redactor;
}

export interface App {
  readonly runtime: ConsumerRuntime;
  readonly http: HttpServer;
}

const REQUEUE_PAUSE_MS = 1_000;

/** Wires the parts and starts the http server; the caller runs `runtime.run()`. */
export async function assemble({ config, handler, logger, redact }: AppInput): Promise<App> {
  const inflight = new InFlight();
  const metrics = createMetrics({ namespace: config.podNamespace ?? '', pool: config.pool ?? '', queue: config.queue, module: config.module }, () => inflight.size);
  const handlerAbort = new AbortController();
  const moduleLogger = logger.child({ source: 'module' });
  const plan = topologyPlan(config);
  const processorDeps = { policy: config, metrics, logger, redact, requeuePauseMs: REQUEUE_PAUSE_MS, abandoned: handlerAbort.signal, handlerTimeoutMs: config.handlerTimeoutMs };
  const contextInfo = {
    queue: config.queue,
    module: config.module,
    podName: config.podName,
    pool: config.pool,
    logger: moduleLogger,
    signal: handlerAbort.signal,
  };
  const runtime = new ConsumerRuntime({
    open: () =>
      openSession({
        config,
        plan,
        inflight,
        logger,
        ackReport: ackReport(metrics, logger),
        makeProcessor: processorFactory(handler, config.batch, processorDeps),
        makeContext: (publisher, orphaned) => createContext({ ...contextInfo, signal: AbortSignal.any([handlerAbort.signal, orphaned]) }, publisher),
      }),
    inflight,
    logger,
    metrics,
    drainTimeoutMs: config.drainTimeoutMs,
    handlerAbort,
  });
  const http = await startHttp(config.httpPort, {
    state: () => runtime.state,
    ready: () => runtime.ready,
    registry: metrics.registry,
    drain: () => runtime.drain(),
    logger,
  });
  return { runtime, http };
}

/** Single or batch processing, as the module's handler says; a consumeBatch module needs a batch size. */
function processorFactory(handler: ModuleHandler, batch: BatchConfig | undefined, deps: SettlerDeps): (onUnroutable: () => void) => AnyProcessor {
  if (handler.kind === 'single') return (onUnroutable) => ({ kind: 'single', process: createProcessor({ ...deps, consume: handler.consume }, onUnroutable) });
  if (batch === undefined) throw new Error('a consumeBatch module needs a batch size (HARE_BATCH_SIZE)');
  return (onUnroutable) => ({ kind: 'batch', process: createBatchProcessor({ ...deps, consumeBatch: handler.consumeBatch }, onUnroutable), batch });
}
