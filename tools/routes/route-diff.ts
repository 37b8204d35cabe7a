import type { RouteEntry } from '../../lib/edge/kvs-routes';
import { DEFAULT_VARIANT_KEY } from '../../lib/edge/kvs-routes';

/** One key routes.json sets: added when the store lacks it, changed when the store holds another value. */
export interface RoutePut {
  readonly key: string;
  readonly value: string;
  /** The store's value now; undefined when the key is new. */
  readonly was?: string;
}

/** One key the store holds and routes.json does not. */
export interface RouteDelete {
  readonly key: string;
  readonly was: string;
}

/** How to turn the store into routes.json. */
export interface RouteDiff {
  readonly puts: readonly RoutePut[];
  readonly deletes: readonly RouteDelete[];
}

/**
 * The changes that make `current` hold exactly `desired`. Puts come first and the default
 * first among them, deletes last, so a push in several batches never leaves a viewer without a
 * route that routes.json keeps; keys are sorted otherwise, so the output is stable.
 */
export function diffRoutes(desired: readonly RouteEntry[], current: ReadonlyMap<string, string>): RouteDiff {
  const wanted = new Map(desired.map(({ key, value }) => [key, value]));
  const puts = [...wanted]
    .filter(([key, value]) => current.get(key) !== value)
    .map(([key, value]): RoutePut => (current.has(key) ? { key, value, was: current.get(key) } : { key, value }))
    .sort((a, b) => order(a.key) - order(b.key) || (a.key < b.key ? -1 : 1));
  const deletes = [...current]
    .filter(([key]) => !wanted.has(key))
    .map(([key, was]) => ({ key, was }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  return { puts, deletes };
}

const order = (key: string) => (key === DEFAULT_VARIANT_KEY ? 0 : 1);

/** True when the store already holds exactly routes.json. */
export function isInSync(diff: RouteDiff): boolean {
  return diff.puts.length === 0 && diff.deletes.length === 0;
}
