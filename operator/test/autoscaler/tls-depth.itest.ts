// The operator's own depth reads over TLS against the real RabbitMQ's TLS listener (127.0.0.1:5671, management
// HTTPS on 15671; CA and certificates made by hack/ensure-rabbitmq.sh): a private CA, a client certificate with
// SASL EXTERNAL, and a wrong CA refused with the certificate error in the message.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DepthSources } from '../../src/autoscaler/depth-sources.ts';
import type { BrokerTls } from '../../src/autoscaler/tls.ts';
import { makePool } from '../../src/testing/fixtures.ts';
import { desiredTopology } from '../../src/topology/desired.ts';
import { brokerTopology } from '../../src/topology/keeper.ts';
import { deleteQueues, eventually, management, TestClient, uniqueName } from './testing/broker.ts';

const TLS_DIR = process.env.HARE_TEST_TLS_DIR ?? '/etc/rabbitmq/tls';
const pem = (f: string): string => readFileSync(`${TLS_DIR}/${f}`, 'utf8');
const AMQPS = 'amqps://guest:guest@127.0.0.1:5671';
const AMQPS_EXTERNAL = 'amqps://127.0.0.1:5671';
const HTTPS = 'https://guest:guest@127.0.0.1:15671';

const queues: string[] = [];
let publisher: TestClient;
let queue: string;
beforeAll(async () => {
  publisher = await TestClient.open('hare-test-tls-publisher');
  queue = uniqueName('hare-as-tls');
  queues.push(queue);
  await publisher.queueWith(queue, 7);
});
afterAll(async () => {
  await publisher.close();
  await deleteQueues(queues);
});

describe('depth reads over TLS', () => {
  it('reads amqps:// and the management API over https:// verified against the private CA', async () => {
    const sources = new DepthSources();
    const handle = sources.acquire({ uri: AMQPS, managementUri: HTTPS, queue, tls: { ca: pem('ca.crt') } });
    await eventually(async () => expect(await handle.read()).toMatchObject({ ok: true, depth: { ready: 7, unacked: 0 } }));
    await sources.close();
  });

  it('logs in with the client certificate (SASL EXTERNAL, user hare-client) and no password', async () => {
    const name = uniqueName('hare-as-tls-external');
    const sources = new DepthSources({ connectionName: name });
    const tls: BrokerTls = { ca: pem('ca.crt'), cert: pem('client.crt'), key: pem('client.key') };
    const handle = sources.acquire({ uri: AMQPS_EXTERNAL, queue, tls });
    expect(await handle.read()).toMatchObject({ ok: true, depth: { ready: 7 } });
    // amqplib would log in as guest/guest with PLAIN when the URI has no user: the broker must show hare-client
    await eventually(async () => {
      const all = (await management('/api/connections?columns=user,user_provided_name,auth_mechanism,ssl')) as Record<string, unknown>[];
      expect(all.filter((c) => c.user_provided_name === name)).toEqual([{ user: 'hare-client', user_provided_name: name, auth_mechanism: 'EXTERNAL', ssl: true }]);
    });
    await sources.close();
  });

  it('declares a pool\'s topology over TLS on the shared connection, with the pool\'s CA', async () => {
    const sources = new DepthSources();
    const name = uniqueName('hare-as-tls-topology');
    queues.push(name, `${name}.delay.1000`, `${name}.dead`);
    const pool = makePool({ queue: { name, retry: { delaysMs: [1000] } } });
    const outcome = await brokerTopology(sources).ensure(AMQPS, desiredTopology(pool), [], { ca: pem('ca.crt') });
    expect(outcome).toMatchObject({ ok: true });
    expect(await management(`/api/queues/%2F/${encodeURIComponent(`${name}.dead`)}`)).toMatchObject({ name: `${name}.dead` });
    await sources.close();
  });

  it('refuses a broker whose certificate the CA did not sign, with the certificate error in the message', async () => {
    const sources = new DepthSources({ timeoutMs: 3000 });
    const wrong = { ca: pem('other-ca.crt') };
    const amqp = await sources.acquire({ uri: AMQPS, queue, tls: wrong }).read();
    expect(amqp).toMatchObject({ ok: false, kind: 'unreachable' });
    expect(!amqp.ok && amqp.error).toMatch(/certificate/i);
    const http = await sources.acquire({ uri: AMQPS, managementUri: HTTPS, queue, tls: wrong }).read();
    expect(!http.ok && http.error).toMatch(/certificate/i);
    // and without a CA the system's roots do not know the private CA either: verification is on by default
    const system = await sources.acquire({ uri: AMQPS, queue }).read();
    expect(!system.ok && system.error).toMatch(/certificate/i);
    await sources.close();
  });
});
