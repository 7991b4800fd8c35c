// The SARIF 2.1.0 schema check shared by the tests that read a SARIF file the action wrote.
//   sarifSchemaErrors(document) -> [] when valid, else ajv's messages
import AjvDraft04 from 'ajv-draft-04'
import ajvFormats from 'ajv-formats'
import { readFileSync } from 'node:fs'
import { SARIF_SCHEMA_FILE } from './paths.js'

type Validate = ReturnType<InstanceType<typeof AjvDraft04.default>['compile']>
let validate: Validate | undefined

export function sarifSchemaErrors(document: unknown): string[] {
  if (!validate) {
    // CommonJS packages: their default export is module.exports, which carries `.default`.
    const ajv = new AjvDraft04.default({ allErrors: true, strict: false })
    ajvFormats.default(ajv)
    validate = ajv.compile(JSON.parse(readFileSync(SARIF_SCHEMA_FILE, 'utf8')) as object)
  }
  if (validate(document)) return []
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`)
}
