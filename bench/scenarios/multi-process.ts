// Scenario 5, several application processes: the same commits written by one process, then spread over 4
// OS processes that each run auto-refresh (bench/lib/writer-process.ts). Measured: REFRESH runs summed over
// the processes, staleness after the last commit, and whether the view caught up with every commit without a flush().
// Also run for reference: 4 processes with `coordinate: false` (each refreshes for its own commits) and 4
// processes on the triggers source (each process hears every commit).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { installAutoRefreshTriggers, removeAutoRefreshTriggers, syncViews } from '../../src';
import { BenchDatabase } from '../lib/database';
import { createOrders, rowsInView, Orders, orderTotalsView, VIEW_IS_CURRENT_QUERY } from '../lib/orders';
import { row, type ScenarioResult } from '../lib/report';
import { sleep, summarize } from '../lib/stats';
import { epochMs, MULTI_PROCESS_TIMING } from '../lib/writer-process';

interface Case {
  readonly id: string;
  readonly label: string;
  readonly processes: number;
  readonly source: 'subscriber' | 'triggers';
  readonly coordinate: boolean;
}

const ONE: Case = { id: 'one', label: '1 process', processes: 1, source: 'subscriber', coordinate: true };
const CASES: readonly Case[] = [
  ONE,
  { id: 'four', label: '4 processes', processes: 4, source: 'subscriber', coordinate: true },
  {
    id: 'four-uncoordinated',
    label: '4 processes, coordinate: false',
    processes: 4,
    source: 'subscriber',
    coordinate: false,
  },
  { id: 'four-triggers', label: "4 processes, source: 'triggers'", processes: 4, source: 'triggers', coordinate: true },
];
const CONCURRENCY = 8;
/** How long after the last commit the view may take to show every commit without a flush (10x maxWaitMs). */
const CATCH_UP_MS = 5000;

/** A writer process, spoken to one line at a time. */
class Writer {
  private readonly replies: string[] = [];
  private waiting?: (line: string) => void;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve(line);
      } else this.replies.push(line);
    });
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(`  [writer ${child.pid}] ${String(chunk)}`));
  }

  static async start(url: string): Promise<Writer> {
    const script = join(__dirname, '..', 'lib', 'writer-process.ts');
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', script, url], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const writer = new Writer(child);
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`writer process exited with code ${String(code)}`))),
    );
    const ready = await Promise.race([writer.next(), exited]);
    if (ready !== 'ready') throw new Error(`writer process said "${ready}" instead of "ready"`);
    return writer;
  }

  private next(): Promise<string> {
    const queued = this.replies.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** Sends a command; resolves with the reply's words after `expected`. */
  async send(command: string, expected: string): Promise<string[]> {
    this.child.stdin.write(`${command}\n`);
    const [word, ...rest] = (await this.next()).split(' ');
    if (word !== expected) throw new Error(`writer process answered "${word}" to "${command}"`);
    return rest;
  }

  exit(): void {
    this.child.stdin.write('exit\n');
  }
}

interface Measurement {
  refreshes: number;
  commitsCoalesced: number;
  stalenessMs: number;
  current: boolean;
}

async function runCase(
  c: Case,
  writers: Writer[],
  ds: DataSource,
  reader: Client,
  commits: number,
  expectedRows: number,
): Promise<Measurement> {
  const active = writers.slice(0, c.processes);
  if (c.source === 'triggers') await installAutoRefreshTriggers(ds);
  try {
    // One at a time: the processes would otherwise race to create the coordination table.
    for (const w of active) await w.send(`enable ${c.source} ${c.coordinate ? 'on' : 'off'}`, 'enabled');
    const each = commits / c.processes;
    const written = await Promise.all(
      active.map((w) => w.send(`write ${each} ${CONCURRENCY / c.processes}`, 'written')),
    );
    const lastCommit = Math.max(...written.map(([at]) => Number(at)));
    // Polled from when every writer reported (an upper bound of the staleness if the first poll sees it),
    // before any flush(): auto-refresh alone must bring the view up to every commit, within CATCH_UP_MS.
    let current = false;
    while (epochMs() - lastCommit < CATCH_UP_MS) {
      if ((await rowsInView(reader)) === expectedRows) {
        current = Boolean((await reader.query(VIEW_IS_CURRENT_QUERY)).rows[0].current);
        break;
      }
      await sleep(2);
    }
    const stalenessMs = current ? epochMs() - lastCommit : NaN;
    const flushed = await Promise.all(active.map((w) => w.send('flush', 'flushed')));
    for (const w of active) await w.send('disable', 'disabled');
    return {
      refreshes: flushed.reduce((sum, [n]) => sum + Number(n), 0),
      commitsCoalesced: flushed.reduce((sum, [, n]) => sum + Number(n), 0),
      stalenessMs,
      current,
    };
  } finally {
    if (c.source === 'triggers') await removeAutoRefreshTriggers(ds);
  }
}

export async function multiProcess(quick: boolean): Promise<ScenarioResult> {
  const sourceRows = quick ? 20_000 : 200_000;
  const commits = quick ? 80 : 400;
  const reps = quick ? 1 : 3;
  const db = await BenchDatabase.create('processes');
  const results = new Map<string, Measurement[]>(CASES.map((c) => [c.id, []]));
  let ds: DataSource | undefined;
  let writers: Writer[] = [];
  let reader: Client | undefined;
  try {
    await createOrders(db, sourceRows);
    ds = await db.connect([Orders, orderTotalsView(MULTI_PROCESS_TIMING)]);
    await syncViews(ds);
    writers = await Promise.all(Array.from({ length: 4 }, () => Writer.start(db.url)));
    reader = await db.client();
    let expectedRows = sourceRows;
    for (let rep = 0; rep < reps; rep++) {
      const order = CASES.map((_, i) => CASES[(i + rep) % CASES.length]!);
      for (const c of order) {
        expectedRows += commits;
        results.get(c.id)!.push(await runCase(c, writers, ds, reader, commits, expectedRows));
      }
      process.stderr.write(`  multi-process: repetition ${rep + 1}/${reps} done\n`);
    }
  } finally {
    for (const w of writers) w.exit();
    await reader?.end();
    if (ds?.isInitialized) await ds.destroy();
    await db.drop();
  }
  // A run whose view never caught up has no staleness (NaN): it is counted in the correctness row instead.
  const of = (c: Case, key: 'refreshes' | 'stalenessMs' | 'commitsCoalesced') =>
    results
      .get(c.id)!
      .map((m) => m[key])
      .filter(Number.isFinite);
  const g = `${commits} commits, ${CONCURRENCY} concurrent writers`;
  const allCurrent = [...results.values()].flat().every((m) => m.current);
  const wrong = [...results.entries()].flatMap(([id, ms]) => (ms.some((m) => !m.current) ? [id] : []));
  return {
    id: 'multi-process',
    title: 'Scenario 5: several processes writing with auto-refresh',
    mode: quick ? 'quick' : 'full',
    parameters: { sourceRows, commits, concurrency: CONCURRENCY, reps, ...MULTI_PROCESS_TIMING },
    rows: [
      ...CASES.filter((c) => c !== ONE).flatMap((c) => [
        row({
          group: g,
          metric: `REFRESH runs, all processes: ${c.label}`,
          unit: 'refreshes',
          baselineName: ONE.label,
          baseline: summarize(of(ONE, 'refreshes')),
          library: summarize(of(c, 'refreshes')),
        }),
        row({
          group: g,
          metric: `staleness after the last commit: ${c.label}`,
          unit: 'ms',
          baselineName: ONE.label,
          baseline: summarize(of(ONE, 'stalenessMs')),
          library: summarize(of(c, 'stalenessMs')),
        }),
      ]),
      row({
        group: g,
        metric: `view equal to its query within ${CATCH_UP_MS / 1000} s of the last commit, no flush()`,
        unit: 'runs',
        baselineName: '',
        baseline: null,
        library: `${[...results.values()].flat().filter((m) => m.current).length} of ${reps * CASES.length}`,
        target: 'every run (no change lost)',
        met: allCurrent,
      }),
    ],
    samples: Object.fromEntries(
      CASES.flatMap((c) => [
        [`refreshes-${c.id}`, of(c, 'refreshes')],
        [`staleness-${c.id}`, of(c, 'stalenessMs')],
        [`coalesced-${c.id}`, of(c, 'commitsCoalesced')],
      ]),
    ),
    notes: [
      `${reps} repetition(s) of each case, cases interleaved, over ${sourceRows / 1000}k source rows; each run writes ${commits} single-row save() commits, ${CONCURRENCY} at a time in total (the processes share them out), debounceMs ${MULTI_PROCESS_TIMING.debounceMs}, maxWaitMs ${MULTI_PROCESS_TIMING.maxWaitMs}.`,
      'Refreshes are the refresh events of every process, summed; a process whose changes another process already refreshed skips its own (coordinate: true).',
      'Staleness is from the last commit of any process until a reader sees every row; the reader starts when all writers have reported, so a view already current at the first poll gives an upper bound.',
      ...(wrong.length
        ? [`The view did NOT catch up with every commit within ${CATCH_UP_MS} ms in: ${wrong.join(', ')}.`]
        : []),
    ],
  };
}
