// Child process of amqp-late.itest.ts: one depth read with a short timeout through the given URI, then it stays
// alive for a while, so an 'error' from a connection that opened late would crash it (exit code 1).
import { setTimeout as sleep } from 'node:timers/promises';
import { DepthSources } from '../../../src/autoscaler/depth-sources.ts';

const [uri = '', timeoutMs = '1000', lingerMs = '3000'] = process.argv.slice(2);
const log = (obj: object, msg: string): void => void process.stdout.write(`${JSON.stringify({ ...obj, msg })}\n`);
const sources = new DepthSources({ timeoutMs: Number(timeoutMs), backoff: { baseMs: 60_000, maxMs: 60_000 }, log: { debug: log, info: log, warn: log } });
const reading = await sources.acquire({ uri, queue: 'hare-late-read' }).read();
log({ reading }, 'read');
await sleep(Number(lingerMs));
await sources.close();
log({}, 'done');
