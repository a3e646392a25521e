/**
 * The writer thread's entry (started by writerThread.ts): its own connection to the data file,
 * the group commit, and nothing else. A group is whatever arrived while the previous commit ran;
 * its outcomes go back in one message after COMMIT has returned.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { groupCommitQueue, groupCommitter } from './appendToStream.js';
import { createConnection } from './connection.js';
import { openDatabase } from './database.js';
import { outcomeToWire, type FromWriter, type ToWriter, type WriterData } from './writerProtocol.js';

const port = parentPort!;
const { options } = workerData as WriterData;
// Throws when the file cannot be opened: the thread dies with it and the storage fails what it sent.
const db = openDatabase(options);
const queue = groupCommitQueue<number>(groupCommitter(createConnection(db)), (ids, outcomes) => {
  const message: FromWriter = { type: 'outcomes', ids, outcomes: outcomes.map(outcomeToWire) };
  port.postMessage(message);
});

/** Commits what was sent before `close`, then closes the connection; the thread ends when the port closes. */
function closeWhenIdle(): void {
  if (queue.size() > 0) {
    setImmediate(closeWhenIdle);
    return;
  }
  db.close();
  port.close();
}

port.on('message', (message: ToWriter) => {
  if (message.type === 'append') for (const { id, request } of message.appends) queue.enqueue(request, id);
  else if (message.type === 'close') setImmediate(closeWhenIdle);
  // A message outside the protocol is a bug: the thread dies, and the storage fails what it had sent.
  else throw new Error(`Unknown message for the SQLite writer: ${JSON.stringify(message)}`);
});
