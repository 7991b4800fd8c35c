// List-flag quoting, one owner. trivy's and cosign's list flags (`--vex`, `--db-repository`, cosign's
// `-a`) are pflag string slices, which split a value on commas as CSV: a value holding a comma, a
// quote or a newline must be one quoted CSV field to reach the tool unsplit.

/** `value` as one CSV field, quoted only when it has to be. */
export function listFlagValue(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}
