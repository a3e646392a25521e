import { cpuMsOf, ferretdbCommandCounts } from './processes';

/** What a storm's load cost the processes that served it: CPU time, and the database's commands by name. */
export interface LoadCost {
  /** CPU ms of the database process and of the server instances together; null where unreadable. */
  cpuMs: { database: number | null; servers: number | null };
  /** Commands the MongoDB-wire server received, by name (only when its debug port is given). */
  databaseCommands: Record<string, number> | null;
}

/** CPU ms of several processes together; null if any cannot be read. */
function sumCpu(pids: Array<number | undefined>): number | null {
  let total = 0;
  for (const pid of pids) {
    const ms = cpuMsOf(pid);
    if (ms === null) return null;
    total += ms;
  }
  return total;
}

const delta = (before: number | null, after: number | null) => (before === null || after === null ? null : after - before);

/**
 * Starts measuring the load cost of `processes()` (read again at the end, so restarted processes
 * are whoever runs then: only meaningful when nothing is killed). Returns the call that ends it.
 */
export async function measureLoadCost(processes: () => { database?: number; servers: Array<number | undefined> }, ferretdbDebugPort?: number): Promise<() => Promise<LoadCost>> {
  const cpu = () => {
    const { database, servers } = processes();
    return { database: database === undefined ? null : cpuMsOf(database), servers: sumCpu(servers) };
  };
  const commands = () => (ferretdbDebugPort === undefined ? Promise.resolve(null) : ferretdbCommandCounts(ferretdbDebugPort));
  const cpuBefore = cpu();
  const commandsBefore = await commands();
  return async () => {
    const cpuAfter = cpu();
    const commandsAfter = await commands();
    const databaseCommands =
      commandsBefore && commandsAfter
        ? Object.fromEntries(Object.entries(commandsAfter).map(([name, n]) => [name, n - (commandsBefore[name] ?? 0)] as const).filter(([, n]) => n > 0))
        : null;
    return { cpuMs: { database: delta(cpuBefore.database, cpuAfter.database), servers: delta(cpuBefore.servers, cpuAfter.servers) }, databaseCommands };
  };
}
