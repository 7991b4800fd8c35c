// ESM jest with ts-jest, as in actions/typescript-action. Run through `npm test`, which sets
// --experimental-vm-modules so that jest.unstable_mockModule works. One project per speed:
//   unit     in-process, one file per module (seconds)
//   e2e      the bundled action under Node 24 in the local world, with the stand-ins
//   harness  the local world itself (mirror, registry, stand-ins) checked on its own
//   real     the bundled action with the real trivy and cosign, built from their Go modules
// `npm test` runs them all; `npm run test:<project>` runs one.
const transform = {
  '^.+\\.ts$': [
    'ts-jest',
    { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: ['TS151001'] } }
  ]
}

/** @param {string} name */
function project(name) {
  return {
    displayName: name,
    preset: 'ts-jest/presets/default-esm',
    testEnvironment: 'node',
    testMatch: [`<rootDir>/__tests__/${name}/**/*.test.ts`],
    // .tmp/ holds build outputs and scratch copies (demo, benchmark): never tests.
    modulePathIgnorePatterns: ['<rootDir>/.tmp/', '<rootDir>/dist/'],
    moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
    extensionsToTreatAsEsm: ['.ts'],
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    transform
  }
}

export default {
  projects: ['unit', 'e2e', 'harness', 'real'].map(project),
  // A project's own testTimeout is not honoured by jest: one limit for all, and the real tier's
  // slower tests say their own.
  testTimeout: 60000,
  // The harness starts real processes (registry, mirror, node 24): run test files two at a time on
  // the 2-core CI machine.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.mjs'],
  verbose: false
}
