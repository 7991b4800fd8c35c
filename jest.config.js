// ESM jest with ts-jest, as in actions/typescript-action. Run through `npm test`, which sets
// --experimental-vm-modules so that jest.unstable_mockModule works.
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  testMatch: ['**/__tests__/**/*.test.ts'],
  // .tmp/ holds build outputs and scratch copies (demo, benchmark): never tests.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/.tmp/', '<rootDir>/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/.tmp/', '<rootDir>/dist/'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: ['TS151001'] } }
    ]
  },
  // The runner harness starts real processes (registry, mirror, node 24): give them room, and run
  // test files two at a time on the 2-core CI machine.
  testTimeout: 60000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.mjs'],
  verbose: false
}
