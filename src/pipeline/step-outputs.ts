// The step outputs of SPEC.md, written from whatever the run produced (also when it failed).
import * as core from '@actions/core'
import { gateOutput } from './run-result.js'
import { SEVERITIES } from '../types.js'
import { evaluateGate } from '../findings/gate.js'
import type { RunState } from './run-state.js'

export function writeOutputs(state: RunState, sarifFile: string | undefined): void {
  const { image, tools, inputs } = state
  const scan = state.scans?.[0]
  // Counts come from the report even when the gate step was not selected.
  const gate = state.gate ?? (scan ? evaluateGate(scan.findings, 'NONE') : undefined)
  core.setOutput('digest', image?.digest ?? '')
  core.setOutput('image-ref', image?.pinnedRef ?? '')
  core.setOutput('report-file', scan?.reportFile ?? '')
  core.setOutput('sarif-file', sarifFile ?? '')
  const counts: Record<string, number | Record<string, number>> = {}
  const fixable: Record<string, number> = {}
  for (const severity of SEVERITIES) {
    const name = severity.toLowerCase()
    const count = gate?.counts[severity] ?? 0
    counts[name] = count
    fixable[name] = gate?.fixable[severity] ?? 0
    core.setOutput(name, gate ? String(count) : '')
  }
  counts['total'] = gate?.total ?? 0
  counts['fixable'] = fixable
  core.setOutput('vulnerabilities', gate ? JSON.stringify(counts) : '')
  core.setOutput('gate', gateOutput(state))
  core.setOutput('signed', String(state.sign !== undefined))
  core.setOutput('attested', String(state.attest !== undefined))
  core.setOutput('verified', String(state.verify?.verified === true))
  core.setOutput('signature-ref', state.sign?.images[0]?.signatureRef ?? '')
  core.setOutput('trivy-version', tools.trivy?.version ?? inputs.trivy.version)
  core.setOutput('cosign-version', tools.cosign?.version ?? inputs.cosign.version)
}
