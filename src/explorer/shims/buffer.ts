import { Buffer } from 'buffer'

/**
 * `Buffer` for the browser build: esbuild injects it where `src/epoch/` names the global
 * (scripts/build-explorer.mjs). Node's `equals` takes any Uint8Array; the polyfill's only a Buffer.
 */
const equals = Buffer.prototype.equals
Buffer.prototype.equals = function equalsAnyBytes(other: Uint8Array) {
  return equals.call(
    this,
    Buffer.isBuffer(other) ? other : Buffer.from(other.buffer, other.byteOffset, other.byteLength),
  )
}

export { Buffer }
