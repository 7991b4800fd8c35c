// Records each pipeline step's status, duration and reason, for the summary and the log.
import * as core from '@actions/core'
import { STEPS, type Step, type StepRecord, type StepStatus } from '../types.js'

export class StepLog {
  private readonly records = new Map<Step, StepRecord>()

  constructor(private readonly selected: ReadonlySet<Step>) {}

  isSelected(step: Step): boolean {
    return this.selected.has(step)
  }

  /**
   * Runs `work` as `step` in a log group, timing it; its result decides the status ('passed' unless
   * `statusOf` says otherwise), and a throw marks the step 'error'.
   */
  run<T>(step: Step, work: () => Promise<T>, statusOf?: (result: T) => StepStatus): Promise<T> {
    const title = step.charAt(0).toUpperCase() + step.slice(1)
    return core.group(title, () => this.time(step, work, statusOf))
  }

  private async time<T>(
    step: Step,
    work: () => Promise<T>,
    statusOf?: (result: T) => StepStatus
  ): Promise<T> {
    const started = performance.now()
    try {
      const result = await work()
      this.set(step, statusOf ? statusOf(result) : 'passed', performance.now() - started)
      return result
    } catch (error) {
      this.set(step, 'error', performance.now() - started, 'the tool failed')
      throw error
    }
  }

  skip(step: Step, reason: string): void {
    if (!this.selected.has(step)) return
    this.set(step, 'skipped', 0, reason)
    core.info(`${step}: skipped (${reason})`)
  }

  /** The selected steps in pipeline order; a selected step that never ran reads as skipped. */
  all(fallbackReason = 'an earlier step failed'): StepRecord[] {
    return STEPS.filter((step) => this.selected.has(step)).map(
      (step) =>
        this.records.get(step) ?? { step, status: 'skipped', durationMs: 0, reason: fallbackReason }
    )
  }

  private set(step: Step, status: StepStatus, durationMs: number, reason?: string): void {
    this.records.set(step, { step, status, durationMs: Math.round(durationMs), reason })
  }
}
