// Entrypoint: read the config once, load the module, serve http, consume until drained, exit 0.
import { hostname } from 'node:os';
import { parseConfig } from './config.ts';
import { createLogger } from './logger.ts';
import type { Logger } from './logger.ts';
import { loadModule } from './module-loader.ts';
import { makeRedactor, secretsOf } from './redact.ts';
import { assemble } from './wiring.ts';

/** Exit code for a configuration or module problem (the pod should not be restarted into the same state quietly). */
const EXIT_CONFIG = 2;

async function main(): Promise<void> {
  const env = process.env;
  const redact = makeRedactor(secretsOf(env.HARE_BROKER_URI ?? ''));
  const parsed = parseConfig(env, hostname());
  if (!parsed.ok) {
    const log = createLogger({ level: 'info', base: {}, redact });
    log.fatal({ errors: parsed.errors }, `invalid configuration: ${parsed.errors.join('; ')}`);
    process.exit(EXIT_CONFIG);
  }
  const config = parsed.config;
  const logger = createLogger({
    level: config.logLevel,
    base: { pod: config.podName, namespace: config.podNamespace, pool: config.pool, queue: config.queue, module: config.module },
    redact,
  });
  let consume;
  try {
    consume = (await loadModule(config.module, config.modulesDir)).consume;
  } catch (err) {
    logger.fatal({ err }, `cannot load the consumer module: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(EXIT_CONFIG);
  }
  const app = await assemble({ config, consume, logger, redact });
  installSignals(logger, () => void app.runtime.drain());
  logger.info({ port: app.http.port, prefetch: config.prefetch, exchange: config.exchange, routingKey: config.routingKey }, 'started');
  const result = await app.runtime.run();
  await new Promise((resolve) => setImmediate(resolve)); // let pending /drain responses be written first
  await app.http.flushed();
  await app.http.close();
  logger.info({ ...result }, 'exiting');
  process.exit(0);
}

function installSignals(logger: Logger, drain: () => void): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      logger.info({ signal }, 'signal received; draining');
      drain();
    });
  }
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception; exiting (unacked messages return to the queue)');
    process.exit(1);
  });
}

await main();
