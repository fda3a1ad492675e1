// Test fixture module with init/close hooks: logs each call; HOOKS_FAIL=init|close makes that hook throw.
import type { ConsumeContext, HareMessage, InitContext, ModuleLogger } from '../../../src/api.ts';

let logger: ModuleLogger | undefined;

export function init(context: InitContext): void {
  logger = context.logger;
  logger.info({ queue: context.queue }, 'hooks: init');
  if (process.env.HOOKS_FAIL === 'init') throw new Error('the database is unreachable');
}

export function consume(_message: HareMessage, context: ConsumeContext): void {
  context.logger.info('hooks: consume');
}

export async function close(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 10));
  logger?.info('hooks: close');
  if (process.env.HOOKS_FAIL === 'close') throw new Error('the pool would not close');
}
