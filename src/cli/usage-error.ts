/**
 * An error in what the user gave the command line (a file, an option): reported as one line with
 * exit code 2, never with a stack trace.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
