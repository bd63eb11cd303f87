/** Invalid input or configuration: exit 1, one line that names the file or flag. */
export class InputError extends Error {
  override name = 'InputError';
}

/** The command line itself is wrong (unknown flag, conflicting flags): exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
