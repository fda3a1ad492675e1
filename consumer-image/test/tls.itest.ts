// The runtime on RabbitMQ's own TLS listener (127.0.0.1:5671, CA and certificates from hack/ensure-rabbitmq.sh):
// verified against the pool's CA file, SASL EXTERNAL with a client certificate, and a wrong CA refused.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mgmt, TestBroker, uniqueName } from './testing/broker.ts';
import { runtimesStoppedAfterEach } from './testing/runtime.ts';
import { waitFor } from './testing/wait.ts';

const TLS_DIR = process.env.HARE_TEST_TLS_DIR ?? '/etc/rabbitmq/tls';
let broker: TestBroker;
const start = runtimesStoppedAfterEach();

beforeEach(async () => void (broker = await TestBroker.open()));
afterEach(async () => {
  await broker.close();
});

async function connectionOf(podName: string): Promise<Record<string, unknown> | undefined> {
  const all = await mgmt<Record<string, unknown>[]>('/connections?columns=user,user_provided_name,auth_mechanism,ssl');
  return all.find((c) => c.user_provided_name === podName);
}

describe('amqps:// with a private CA', () => {
  it('consumes over TLS verified against HARE_TLS_CA_FILE', async () => {
    const queue = uniqueName('tls');
    const records = await broker.prepare(queue);
    const p = start(queue, { HARE_BROKER_URI: 'amqps://guest:guest@127.0.0.1:5671', HARE_TLS_CA_FILE: `${TLS_DIR}/ca.crt` });
    await p.waitReady();
    await broker.publishMany(queue, [{ id: 'a' }, { id: 'b' }]);
    await records.waitForCount(2);
    await waitFor(async () => (await connectionOf(p.podName))?.ssl === true, 20_000, () => 'a TLS connection named after the pod');
    expect(await connectionOf(p.podName)).toMatchObject({ ssl: true, user: 'guest' });
  });

  it('logs in with the client certificate (SASL EXTERNAL as hare-client) when the URI has no user', async () => {
    const queue = uniqueName('tls-external');
    await broker.prepare(queue);
    const p = start(queue, {
      HARE_BROKER_URI: 'amqps://127.0.0.1:5671', HARE_TLS_CA_FILE: `${TLS_DIR}/ca.crt`,
      HARE_TLS_CERT_FILE: `${TLS_DIR}/client.crt`, HARE_TLS_KEY_FILE: `${TLS_DIR}/client.key`,
    });
    await p.waitReady();
    await waitFor(async () => (await connectionOf(p.podName)) !== undefined, 20_000, () => 'a connection named after the pod');
    expect(await connectionOf(p.podName)).toMatchObject({ ssl: true, user: 'hare-client', auth_mechanism: 'EXTERNAL' });
  });

  it('never connects to a broker the CA did not sign, and says why', async () => {
    const queue = uniqueName('tls-wrong-ca');
    await broker.prepare(queue);
    const p = start(queue, { HARE_BROKER_URI: 'amqps://guest:guest@127.0.0.1:5671', HARE_TLS_CA_FILE: `${TLS_DIR}/other-ca.crt` });
    await waitFor(() => /certificate/i.test(p.output), 20_000, () => `a certificate error in the output: ${p.output.slice(-500)}`);
    expect(await connectionOf(p.podName)).toBeUndefined();
  });
});
