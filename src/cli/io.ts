// What a command writes to: stdout for its output, stderr for progress, and the colours each allows.
import type { Colours } from './output';

export interface CommandIo {
  /** One block of output, a newline added. */
  readonly out: (text: string) => void;
  /** Progress on stderr, written as is (no newline added). */
  readonly progress: (text: string) => void;
  /** Colours of stdout. */
  readonly colours: Colours;
  /** Whether stderr is a terminal, where progress lines are rewritten in place. */
  readonly interactive: boolean;
}
