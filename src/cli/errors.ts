// A mistake in how the command was called or in what it was pointed at: printed as one line, exit code 1.
export class CliError extends Error {
  override name = 'CliError';
}
