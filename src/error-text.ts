// How a caught error is named in a one-line message.

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The system error code (ENOENT, EACCES, …) where there is one: it says more than the message. */
export function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? errorMessage(error);
}
