import { renderTable } from '../shared/table';
import { isInSync, type RouteDiff } from './route-diff';

/** The diff as a table: one row per key that differs, with what the store holds and what routes.json wants. */
export function renderRouteDiff(diff: RouteDiff, routesFile: string, kvsArn: string): string {
  if (isInSync(diff)) return `${kvsArn} holds exactly ${routesFile}.`;
  const rows = [
    ...diff.puts.map(({ key, value, was }) => [was === undefined ? 'add' : 'change', key, was ?? '-', value]),
    ...diff.deletes.map(({ key, was }) => ['delete', key, was, '-']),
  ];
  return [
    `${kvsArn} differs from ${routesFile}: ${diff.puts.length} to put, ${diff.deletes.length} to delete.`,
    '',
    renderTable(['change', 'key', 'in the store', 'in routes.json'], rows),
  ].join('\n');
}
