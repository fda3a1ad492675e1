// A pool's pods as the API server and the broker see them: names and IPs, and which addresses hold unacked messages.
import type { Tools } from './tools.ts';

const MANAGEMENT = 'http://127.0.0.1:15672';
const GUEST = { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` };

export interface PoolPod {
  name: string;
  ip: string;
  /** has a deletion timestamp (draining, or being removed) */
  terminating: boolean;
}

/** The pods of `namespace` that match the label `selector`. */
export async function podsBy(t: Tools, namespace: string, selector: string): Promise<PoolPod[]> {
  const list = JSON.parse(await t.kubectl('get', 'pods', '-n', namespace, '-l', selector, '-o', 'json')) as {
    items: Array<{ metadata: { name: string; deletionTimestamp?: string }; status: { podIP?: string } }>;
  };
  return list.items.map((p) => ({ name: p.metadata.name, ip: p.status.podIP ?? '', terminating: p.metadata.deletionTimestamp !== undefined }));
}

/** The pods of a ConsumerPool. */
export function podsOf(t: Tools, namespace: string, pool: string): Promise<PoolPod[]> {
  return podsBy(t, namespace, `hare.dev/pool=${pool}`);
}

/** Peer addresses of the broker's channels consuming `queue` that hold unacked messages (the management API, from the host). */
export async function busyAddresses(queue: string): Promise<string[]> {
  const consumers = (await (await fetch(`${MANAGEMENT}/api/consumers`, { headers: GUEST })).json()) as Array<{ queue?: { name?: string }; channel_details?: { name?: string } }>;
  const ours = new Set(consumers.filter((c) => c.queue?.name === queue).map((c) => c.channel_details?.name ?? ''));
  const channels = (await (await fetch(`${MANAGEMENT}/api/channels?columns=name,messages_unacknowledged,connection_details.peer_host`, { headers: GUEST })).json()) as Array<{
    name?: string; messages_unacknowledged?: number; connection_details?: { peer_host?: string };
  }>;
  return channels.filter((c) => ours.has(c.name ?? '') && (c.messages_unacknowledged ?? 0) > 0).map((c) => c.connection_details?.peer_host ?? '');
}
