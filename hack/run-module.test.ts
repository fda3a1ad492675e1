import { describe, expect, it } from 'vitest';
import { parseConfig } from '../consumer-image/src/config.ts';
import { LOCAL_BROKER, localEnv, localRun } from './run-module.ts';

const file = (): boolean => false;

describe('consumer:local', () => {
  it("gives the runtime the operator's pod env, references resolved, and loads the module from its file", () => {
    const env = localEnv(localRun(['--module', 'examples/modules/recorder.ts', '--queue', 'orders', '--exchange', 'shop', '--retry-delays', '5000,1000', '--http-port', '0'], file));
    expect(env).toMatchObject({
      HARE_MODULE: 'recorder', HARE_MODULES_DIR: expect.stringMatching(/\/examples\/modules$/) as string, HARE_BROKER_URI: LOCAL_BROKER,
      HARE_QUEUE: 'orders', HARE_EXCHANGE: 'shop', HARE_ROUTING_KEY: 'orders', HARE_DECLARE: 'operator', HARE_RETRY_DELAYS_MS: '5000,1000',
      HARE_POD_NAME: 'recorder-local', HARE_POD_NAMESPACE: 'local', HARE_POOL: 'recorder', HARE_HTTP_PORT: '0',
    });
    const parsed = parseConfig(env, 'host');
    expect(parsed.ok && [parsed.config.retryDelaysMs, parsed.config.prefetch, parsed.config.retryLimit, parsed.config.drainTimeoutMs]).toEqual([[1000, 5000], 1, 15, 30_000]);
  });

  it('takes a folder as a folder module, and passes a broker, a handler timeout and a log level', () => {
    const env = localEnv(localRun(['--module', '/src/mods/orders', '--queue', 'q', '--broker', 'amqp://u:p@rabbit:5672', '--handler-timeout', '20', '--log-level', 'debug'], () => true));
    expect(env).toMatchObject({ HARE_MODULE: 'orders', HARE_MODULES_DIR: '/src/mods', HARE_BROKER_URI: 'amqp://u:p@rabbit:5672', HARE_HANDLER_TIMEOUT_SECONDS: '20', HARE_LOG_LEVEL: 'debug' });
  });

  it('refuses a run without module or queue, and a flag that is not a number', () => {
    expect(() => localRun(['--queue', 'q'], file)).toThrow(/--module <path> and --queue <name> are required/);
    expect(() => localRun(['--module', 'm.ts', '--queue', 'q', '--prefetch', 'ten'], file)).toThrow(/--prefetch: not a number/);
    expect(() => localRun(['--module', 'm.ts', '--queue', 'q', '--bogus'], file)).toThrow(/bogus/);
  });
});
