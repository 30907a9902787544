import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["*/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**", "**/dist-test/**"],
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});
