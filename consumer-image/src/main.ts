// Entrypoint: read the config once, load the module, serve http, consume until drained, exit 0.
import { constants, hostname } from 'node:os';
import { parseConfig } from './config.ts';
import { ENV, TERMINATION_LOG } from './contract.ts';
import { createLogger } from './logger.ts';
import type { Logger } from './logger.ts';
import { loadModule } from './module-loader.ts';
import { makeRedactor, secretsOf, type Redactor } from './redact.ts';
import { writeTerminationMessage } from './termination.ts';
import { assemble } from './wiring.ts';

/** Exit code for a configuration or module problem (the pod should not be restarted into the same state quietly). */
const EXIT_CONFIG = 2;
/** Exit code when the module's init() or close() hook threw. */
const EXIT_MODULE_HOOK = 1;
const TERMINATION_PATH = process.env[ENV.terminationLog] || TERMINATION_LOG;

async function main(): Promise<void> {
  const env = process.env;
  const redact = makeRedactor(secretsOf(env.HARE_BROKER_URI ?? ''));
  const parsed = parseConfig(env, hostname());
  if (!parsed.ok) {
    const log = createLogger({ level: 'info', base: {}, redact });
    fatal(log, redact, { errors: parsed.errors }, `invalid configuration: ${parsed.errors.join('; ')}`, EXIT_CONFIG);
  }
  const config = parsed.config;
  const logger = createLogger({
    level: config.logLevel,
    base: { pod: config.podName, namespace: config.podNamespace, pool: config.pool, queue: config.queue, module: config.module },
    redact,
  });
  let loaded;
  try {
    loaded = await loadModule(config.module, config.modulesDir);
  } catch (err) {
    fatal(logger, redact, { err }, `cannot load the consumer module: ${err instanceof Error ? err.message : String(err)}`, EXIT_CONFIG);
  }
  const { handler, hooks } = loaded;
  const mismatch = batchMismatch(handler.kind, config.batch !== undefined);
  if (mismatch !== undefined) fatal(logger, redact, {}, `cannot use the consumer module: ${mismatch}`, EXIT_CONFIG);
  const app = await assemble({ config, handler, logger, redact });
  installSignals(logger, redact, () => void app.runtime.drain());
  try {
    await hooks.init({ queue: config.queue, module: config.module, podName: config.podName, pool: config.pool, logger: logger.child({ source: 'module' }) });
  } catch (err) {
    fatal(logger, redact, { err }, `the module's init() failed: ${err instanceof Error ? err.message : String(err)}`, EXIT_MODULE_HOOK);
  }
  logger.info({ port: app.http.port, prefetch: config.prefetch, exchange: config.exchange, routingKey: config.routingKey }, 'started');
  const result = await app.runtime.run();
  await new Promise((resolve) => setImmediate(resolve)); // let pending /drain responses be written first
  await app.http.flushed();
  await app.http.close();
  let code = 0;
  try {
    await hooks.close();
  } catch (err) {
    logger.error({ err }, `the module's close() failed: ${err instanceof Error ? err.message : String(err)}`);
    code = EXIT_MODULE_HOOK;
  }
  logger.info({ ...result, code }, 'exiting');
  process.exit(code);
}

/** A consumeBatch module needs spec.queue.batch (HARE_BATCH_SIZE), and a consume module must not have one. */
function batchMismatch(kind: 'single' | 'batch', batched: boolean): string | undefined {
  if (kind === 'batch' && !batched) return `it exports consumeBatch but ${ENV.batchSize} is not set (spec.queue.batch.size)`;
  if (kind === 'single' && batched) return `${ENV.batchSize} is set (spec.queue.batch) but it exports consume, not consumeBatch`;
  return undefined;
}

/** Logs the fatal message, leaves it in the termination log for the kubelet (and so the pool's status), exits. */
function fatal(log: Logger, redact: Redactor, fields: object, message: string, code: number): never {
  log.fatal(fields, message);
  writeTerminationMessage(redact(message), TERMINATION_PATH);
  process.exit(code);
}

/** The first SIGTERM/SIGINT drains; a second one exits at once (128 + signal number), leaving unacked messages to the broker. */
function installSignals(logger: Logger, redact: Redactor, drain: () => void): void {
  let received = 0;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (++received > 1) {
        logger.warn({ signal }, 'second signal; exiting now without finishing the drain (unacked messages return to the queue)');
        process.exit(128 + constants.signals[signal]);
      }
      logger.info({ signal }, 'signal received; draining');
      drain();
    });
  }
  process.on('uncaughtException', (err) => {
    const what = err instanceof Error ? err.message : String(err);
    fatal(logger, redact, { err }, `uncaught exception; exiting (unacked messages return to the queue): ${what}`, 1);
  });
}

await main();
