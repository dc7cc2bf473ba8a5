import type { Config } from "jest";

const config: Config = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: {
    // ts-jest transpiles each file alone (isolatedModules in tsconfig);
    // types are checked once for the project by the pretest typecheck
    "^.+\\.ts$": "ts-jest",
  },
  // two cores: keep one for the servers and child processes the tests start
  maxWorkers: 2,
  testTimeout: 20_000,
  reporters: ["default", "<rootDir>/scripts/jest-summary.js"],
};

export default config;
