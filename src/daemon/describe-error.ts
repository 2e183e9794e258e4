// Errors as log text: the message for what the host refused, the stack for internal errors (bugs).

export function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export function describeStack(error: unknown): string {
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}
