// Benchmark module: the no-op handler as an async function (what most handlers are); measures as noop.ts does.
import type { ConsumeContext, HareMessage } from '../../src/api.ts';
import { MeasurementWindow } from '../window.ts';

let window: MeasurementWindow | undefined;

// eslint-disable-next-line @typescript-eslint/require-await -- async on purpose: the runtime's promise path
export async function consume(message: HareMessage, context: ConsumeContext): Promise<void> {
  window ??= new MeasurementWindow(Number(message.headers['x-bench-warmup']), Number(message.headers['x-bench-total']));
  const bench = window.tick();
  if (bench !== undefined) context.logger.info({ bench }, 'bench done');
}
