import { formatEther } from 'viem'

/**
 * A live status line that fits the terminal: on a TTY it is redrawn in place, its fields dropped from the end
 * until it fits the width (so it never wraps); elsewhere it is printed as a plain line every so often.
 */
export function createStatusLine(out: NodeJS.WriteStream) {
  const tty = out.isTTY === true
  return {
    tty,
    /** Draws the fields that fit, most important first. */
    draw(fields: readonly string[]) {
      if (!tty) {
        out.write(`${fields.join('  ')}\n`)
        return
      }
      const width = Math.max(20, (out.columns ?? 80) - 1)
      let line = ''
      for (const field of fields) {
        const next = line === '' ? field : `${line}  ${field}`
        if (next.length > width) break
        line = next
      }
      out.write(`\r\x1b[K${line === '' ? (fields[0] ?? '').slice(0, width) : line}`)
    },
    /** Prints a whole line above the status line. */
    say(text: string) {
      out.write(`${tty ? '\r\x1b[K' : ''}${text}\n`)
    },
  }
}

/** Wei as ETH with at most 6 decimals. */
export const eth = (wei: bigint) =>
  `${Number(formatEther(wei))
    .toFixed(6)
    .replace(/\.?0+$/, '')} ETH`
