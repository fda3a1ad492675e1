// Polling with a deadline, for the integration and end-to-end tiers: the failure names what was awaited.

/** Polls `check` until it yields a value other than undefined/false, or fails naming `what` after the timeout. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Waits until each object (`crd/x`, `apiservice/y`) has `condition` True, through `kubectl` (which runs kubectl with
 * these arguments and rejects on a non-zero exit). `kubectl wait` fails at once ("status.conditions accessor error")
 * on an object created so recently that its status has no conditions yet, so it is asked again until the deadline.
 */
export async function untilCondition(kubectl: (args: string[]) => Promise<unknown>, condition: string, objects: string[], timeoutMs = 60_000): Promise<void> {
  await waitFor(`${objects.join(', ')} ${condition}`, async () => {
    await kubectl(['wait', `--for=condition=${condition}`, '--timeout=10s', ...objects]);
    return true;
  }, timeoutMs, 500);
}
