import { defineProject } from 'vitest/config';

/** Tests import workspace packages through this export condition, so they run against source without a build. */
export const sourceCondition = '@momentum-smoe/source';

export function packageProject(name: string) {
  return defineProject({
    resolve: { conditions: [sourceCondition, 'import', 'node', 'default'] },
    ssr: {
      resolve: { conditions: [sourceCondition, 'import', 'node', 'default'], externalConditions: [sourceCondition] },
    },
    test: {
      name,
      include: ['test/**/*.test.ts'],
      environment: 'node',
      pool: 'forks',
      testTimeout: 120_000,
      hookTimeout: 120_000,
    },
  });
}
