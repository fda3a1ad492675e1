// Entry point: read configuration once, load the kubeconfig, run the operator until SIGTERM or SIGINT.
import { ConfigError, parseConfig, USAGE } from './config.ts';
import { loadCredentials } from './kube/kubeconfig.ts';
import { createLogger, errorText } from './log.ts';
import { Operator } from './operator.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError || (err instanceof TypeError && 'code' in err)) {
      process.stderr.write(`${err.message === 'help requested' ? '' : `error: ${err.message}\n\n`}${USAGE}`);
      process.exit(err.message === 'help requested' ? 0 : 2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const credentials = loadCredentials(config.kube);
  log.info({ server: credentials.current().server, identity: config.identity, leaderElect: config.leaderElect }, 'starting hare-operator');
  const operator = new Operator(config, credentials, log, (reason) => {
    log.error({ reason }, 'exiting');
    process.exit(1);
  });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    operator.stop().then(() => process.exit(0), (err: unknown) => {
      log.error({ err: errorText(err) }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await operator.start();
}

main().catch((err: unknown) => {
  process.stderr.write(`hare-operator: ${errorText(err)}\n`);
  process.exit(1);
});
