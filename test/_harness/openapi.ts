import assert from 'node:assert/strict'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

type Document = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }

/**
 * Checks real answers against the coordinator's /openapi.json with Ajv (JSON Schema 2020-12, as OpenAPI 3.1
 * says), never against our own schemas: the document is what a client generates its code from.
 */
export function openapiChecker(document: unknown) {
  const doc = document as Document
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addFormat('binary', true)
  ajv.addSchema(document as object, 'openapi.json')
  const pointer = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1')
  const checked = new Set<string>()
  return {
    /** Asserts that `body` is what the document says `method path` answers with `status` (as JSON). */
    check(method: string, path: string, status: number, body: unknown) {
      const operation = doc.paths[path]?.[method.toLowerCase()]
      assert.ok(operation !== undefined, `the document has no ${method} ${path}`)
      const response = operation.responses[String(status)] as
        | { content?: Record<string, { schema?: unknown }> }
        | undefined
      assert.ok(response !== undefined, `${method} ${path} does not document a ${status}`)
      assert.ok(
        response.content?.['application/json'] !== undefined,
        `${method} ${path} ${status} is not JSON`,
      )
      const ref = `openapi.json#/paths/${pointer(path)}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`
      const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref })
      assert.ok(
        validate(body),
        `${method} ${path} ${status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`,
      )
      checked.add(`${method.toUpperCase()} ${path}`)
    },
    /** Every operation checked so far. */
    checked: () => [...checked],
    operations: () =>
      Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      ),
  }
}
