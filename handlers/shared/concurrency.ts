/**
 * Small async helpers shared by the handlers' DynamoDB writers (delivery and sessionizer state),
 * kept dependency-free so esbuild bundles them into each handler. Waiting is `setTimeout` from
 * `node:timers/promises`; what is here has no equivalent in Node or the AWS SDK.
 */

/**
 * Runs `task` on every item with at most `limit` tasks in flight; items start in order. Rejects
 * with the first task error (tasks already started keep running).
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Exponential backoff with full jitter before retry `attempt` (from 1): random in
 * [0, min(capMs, baseMs * 2^attempt)); without a cap the bound grows unlimited.
 */
export function jitteredBackoffMs(attempt: number, baseMs: number, capMs = Infinity): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
}
