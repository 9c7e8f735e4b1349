/** A word as a POSIX shell reads it back: unchanged when it is safe, single-quoted otherwise. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

/**
 * The command that runs this CLI as it runs now: this Node binary and the entry script, both absolute. A line
 * printed with it pastes as it is in any directory, whether `apiary` is on the PATH or not.
 */
export function selfCommand(): string {
  return [process.execPath, process.argv[1] ?? 'apiary'].map(shellQuote).join(' ')
}
