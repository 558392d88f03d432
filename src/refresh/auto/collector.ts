// Collects the tables a transaction changed, per query runner, and hands them over only at a real commit.
// TypeORM raises transaction events for savepoints too (isTransactionActive still true), so each open
// level (transaction or savepoint) gets a frame: a released savepoint merges into its parent, a rolled-back
// one is dropped, and only the outermost COMMIT (isTransactionActive false afterwards) counts.
import type { QualifiedName } from '../../ddl/identifiers';

/** What the collector needs of a query runner: its identity and whether a transaction is open. */
export interface RunnerState {
  readonly isTransactionActive: boolean;
}

export class ChangeCollector {
  private readonly frames = new WeakMap<RunnerState, Map<string, QualifiedName>[]>();

  /** @param committed receives the tables of a committed transaction, or of a write made outside one. */
  constructor(private readonly committed: (tables: QualifiedName[]) => void) {}

  /** A row was written through `runner` to `table`. */
  rowChanged(runner: RunnerState | undefined, table: QualifiedName): void {
    if (!runner?.isTransactionActive) {
      // No transaction open: autocommit, the write is already committed (repository.insert/update,
      // query builder writes, save({ transaction: false })).
      this.committed([table]);
      return;
    }
    const stack = this.stackOf(runner);
    if (stack.length === 0) stack.push(new Map()); // the subscriber arrived mid-transaction
    stack[stack.length - 1]!.set(JSON.stringify([table.schema, table.name]), table);
  }

  /** A transaction or savepoint was opened on `runner`. */
  started(runner: RunnerState): void {
    this.stackOf(runner).push(new Map());
  }

  /** A transaction committed or a savepoint was released on `runner` (TypeORM's afterTransactionCommit). */
  committedOrReleased(runner: RunnerState): void {
    const stack = this.stackOf(runner);
    const top = stack.pop();
    if (runner.isTransactionActive) {
      // A savepoint release: its changes now belong to the enclosing level, which may still roll back.
      if (!top) return;
      if (stack.length === 0) stack.push(new Map());
      for (const [k, t] of top) stack[stack.length - 1]!.set(k, t);
      return;
    }
    const tables = new Map(top);
    for (const frame of stack) for (const [k, t] of frame) tables.set(k, t);
    this.frames.delete(runner);
    if (tables.size > 0) this.committed([...tables.values()]);
  }

  /** A transaction or savepoint was rolled back on `runner`: what it changed never happened. */
  rolledBack(runner: RunnerState): void {
    const stack = this.stackOf(runner);
    stack.pop();
    if (!runner.isTransactionActive) this.frames.delete(runner);
  }

  private stackOf(runner: RunnerState): Map<string, QualifiedName>[] {
    let stack = this.frames.get(runner);
    if (!stack) this.frames.set(runner, (stack = []));
    return stack;
  }
}
