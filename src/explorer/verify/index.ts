/** The in-browser verifier: loaded with `import()` on the first verification, as its own chunk. */
export { type BrowserReport, verifyCarInBrowser, verifyReceiptInBrowser } from './verifyInBrowser.ts'
