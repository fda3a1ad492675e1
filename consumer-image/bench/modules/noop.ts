// Benchmark module: a no-op handler that reports, once, the time from its first to its N-th message.
import type { ConsumeContext, HareMessage } from '../../src/api.ts';

let count = 0;
let first = 0;
let cpu: NodeJS.CpuUsage | undefined;

export function consume(message: HareMessage, context: ConsumeContext): void {
  if (count === 0) {
    first = performance.now();
    cpu = process.cpuUsage();
  }
  count += 1;
  if (count === Number(message.headers['x-bench-total'])) {
    const used = process.cpuUsage(cpu);
    context.logger.info({ bench: { count, ms: performance.now() - first, cpuUs: used.user + used.system } }, 'bench done');
  }
}
