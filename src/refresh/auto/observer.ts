// Readings of the coordination sequence taken after changes were seen: the one clock that decides whether
// another process's refresh already covers them. A refresh records the sequence's next value before its
// snapshot; a reading taken after a change was seen is lower than every value taken later, so a recorded
// value above that reading proves the refresh began after the change committed. Readings are ordered
// against changes only within this process (`performance.now()` on both sides, the order the code ran in),
// never against a database or wall-clock time. One reading in flight at a time: changes arriving while
// it runs share the next one.

/** A reading: the sequence's value, and when (this process's monotonic clock) its query was sent. */
interface Reading {
  readonly sentAt: number;
  readonly value: string | undefined;
}

/** Readings kept: enough for every pending batch; losing older ones only makes skips rarer, never wrong. */
const KEEP = 64;

export class SequenceObserver {
  private readonly readings: Reading[] = [];
  private current?: { sentAt: number; done: Promise<Reading> };
  private queued?: Promise<Reading>;
  private stopped = false;

  /** @param read one reading of the sequence (undefined when there is none to read, e.g. no state table). */
  constructor(private readonly read: () => Promise<string | undefined>) {}

  /** A change was just seen: take a reading after it (soon, coalesced with others). Never rejects. */
  async seen(): Promise<void> {
    await this.after(performance.now());
  }

  /**
   * The first reading whose query was sent after `t` (a change's `performance.now()`), taking one if
   * needed; undefined when none could be taken (then nothing is covered: refresh).
   */
  async after(t: number): Promise<string | undefined> {
    const found = this.readings.find((r) => r.sentAt > t);
    if (found) return found.value;
    if (this.stopped) return undefined;
    if (this.current && this.current.sentAt > t) return (await this.current.done).value;
    if (this.current) {
      const previous = this.current.done;
      this.queued ??= previous.then(() => {
        this.queued = undefined;
        return this.start();
      });
      const reading = await this.queued;
      return reading.sentAt > t ? reading.value : undefined;
    }
    const reading = await this.start();
    return reading.sentAt > t ? reading.value : undefined;
  }

  /** Takes no more readings; resolves when the one in flight has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.queued;
    await this.current?.done;
  }

  private start(): Promise<Reading> {
    const sentAt = performance.now();
    const done = this.read().then(
      (value) => ({ sentAt, value }),
      () => ({ sentAt, value: undefined }),
    );
    const current = { sentAt, done };
    this.current = current;
    return done.then((reading) => {
      if (this.current === current) this.current = undefined;
      if (reading.value !== undefined) {
        this.readings.push(reading);
        if (this.readings.length > KEEP) this.readings.shift();
      }
      return reading;
    });
  }
}
