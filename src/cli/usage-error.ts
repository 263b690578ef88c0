/** A bad command line: printed as one line on stderr, exit code 2 (the usual convention for usage errors). */
export class UsageError extends Error {
  readonly code = "ERR_USAGE";
}

export const EXIT_USAGE = 2;
