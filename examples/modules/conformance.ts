// Example module "conformance": the test handler of the conformance kit (docs/pod-contract.md), as the Go
// and Python reference consumers implement it. JSON body fields:
//   {"sleepMs": n}     -> simulated work of n ms (cut short only when the drain times out)
//   {"failTimes": n}   -> throws while the retry count is below n (retried through the delay cascade)
//   {"fail": true}     -> always throws: retried, then dead-lettered
import type { ConsumeContext, HareMessage } from '@hare-operator/consumer-runtime';

interface ConformanceBody {
  readonly id?: string;
  readonly sleepMs?: number;
  readonly failTimes?: number;
  readonly fail?: boolean;
}

export async function consume(message: HareMessage, context: ConsumeContext): Promise<void> {
  const body: ConformanceBody = typeof message.body === 'object' && message.body !== null && !Buffer.isBuffer(message.body) ? message.body : {};
  if (typeof body.sleepMs === 'number' && body.sleepMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, body.sleepMs));
  }
  if (body.fail === true || (typeof body.failTimes === 'number' && message.retryCount < body.failTimes)) {
    throw new Error(`conformance: refusing message ${String(body.id)} (delivery ${message.retryCount + 1})`);
  }
  context.logger.debug({ id: body.id, retryCount: message.retryCount }, 'conformance: accepted');
}
