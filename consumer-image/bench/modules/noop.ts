// Benchmark module: a no-op handler; after `x-bench-warmup` messages it measures time and CPU to the
// `x-bench-total`-th message and reports them once.
import type { ConsumeContext, HareMessage } from '../../src/api.ts';

let count = 0;
let first = 0;
let cpu: NodeJS.CpuUsage | undefined;

export function consume(message: HareMessage, context: ConsumeContext): void {
  if (count === Number(message.headers['x-bench-warmup'])) {
    first = performance.now();
    cpu = process.cpuUsage();
  }
  count += 1;
  if (count === Number(message.headers['x-bench-total'])) {
    const used = process.cpuUsage(cpu);
    context.logger.info({ bench: { count, ms: performance.now() - first, cpuUs: used.user + used.system } }, 'bench done');
  }
}
