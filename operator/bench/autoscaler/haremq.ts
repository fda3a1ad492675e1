// HareMq's AutoScaler transplanted onto pods: every 5 s, ceil(ready / 10) clamped, jump straight to it.
import type { Controller, Env } from './controller.ts';
import { MESSAGES_PER_REPLICA, readFails } from './controller.ts';

const CHECK_S = 5;

/**
 * As in hare_mq v1.5.0 (lib/auto_scaler/auto_scaler.ex): no stabilisation, ready messages only, and its flaws
 * where a workload reaches them: depth is read through a live worker's channel, so with no worker it reads 0
 * (it never scales up from zero), and an unreadable depth counts as 0 (it scales down to min). Not modelled,
 * in its favour: its loop also waits for each removed worker's drain, one after another.
 */
export function hareMq(): Controller {
  return {
    name: 'HareMq (5 s, no window)',
    victims: 'newestFirst',
    start(env: Env): void {
      const tick = (): void => {
        const { pool, workload } = env;
        const obs = pool.observe();
        const depth = obs.activePods === 0 || readFails(env) ? 0 : obs.ready;
        const target = Math.ceil(depth / MESSAGES_PER_REPLICA);
        pool.setTarget(Math.min(workload.maxReplicas, Math.max(workload.minReplicas, target)));
        env.clock.after(CHECK_S, tick);
      };
      env.clock.after(CHECK_S, tick);
    },
  };
}
