import { describe, expect, it } from 'vitest';
import { UsageError, closest, parseFlags, type FlagSpecs } from '../src/args.js';
import { formatMeanStd, markdownTable, meanStd } from '../src/report/table.js';
import { linePlot, groupedBars } from '../src/report/svg.js';

const specs: FlagSpecs = {
  steps: { type: 'string', help: 'steps' },
  backend: { type: 'string', help: 'backend', choices: ['auto', 'wasm', 'cpu', 'tensorflow'], default: 'auto' },
  json: { type: 'boolean', help: 'json' },
};

describe('flags', () => {
  it('parses values and applies defaults', () => {
    expect(parseFlags('train', ['--steps', '10', '--json'], specs)).toEqual({
      steps: '10',
      json: true,
      backend: 'auto',
    });
    expect(parseFlags('train', ['--help'], specs)).toBeNull();
  });
  it('names the fix for a typo, a bad choice and a stray argument', () => {
    expect(() => parseFlags('train', ['--step', '3'], specs)).toThrow(/unknown flag --step; did you mean --steps\?/);
    expect(() => parseFlags('train', ['--backend', 'wsam'], specs)).toThrow(
      /not one of auto, wasm, cpu, tensorflow; did you mean 'wasm'\?/,
    );
    expect(() => parseFlags('train', ['oops'], specs)).toThrow(UsageError);
    expect(() => parseFlags('train', ['--steps'], specs)).toThrow(/steps/);
    expect(closest('zzzzzz', ['steps', 'json'])).toBeUndefined();
  });
});

describe('tables and plots', () => {
  it('mean ± sample std against hand values', () => {
    expect(meanStd([2, 4, 4, 4, 5, 5, 7, 9]).mean).toBe(5);
    expect(meanStd([2, 4, 4, 4, 5, 5, 7, 9]).std).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(formatMeanStd([1, 3])).toBe('2.00 ± 1.41');
    expect(formatMeanStd([1.234])).toBe('1.23');
    expect(markdownTable(['a', 'bb'], [['1', '2']]).split('\n')).toEqual(['| a | bb |', '|---|----|', '| 1 | 2  |']);
  });
  it('SVG plots contain one polyline per series and one rect per bar', () => {
    const svg = linePlot('loss', 'step', 'loss', [
      {
        name: 'smoe',
        points: [
          [0, 5],
          [1, 4],
        ],
      },
      {
        name: 'm<o>m',
        points: [
          [0, 5],
          [1, 3],
        ],
      },
    ]);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('m&lt;o&gt;m');
    // One validation per run (the default run's valid-ppl.svg): a polyline of one point draws nothing, so each point
    // gets a marker in its series' colour; a long training curve gets none.
    const sparse = linePlot('valid', 'step', 'PPL', [
      { name: 'a', points: [[56, 300]] },
      { name: 'b', points: [[56, 280]] },
    ]);
    expect(sparse.match(/<circle [^>]*fill="#1f77b4"/g)).toHaveLength(1);
    expect(sparse.match(/<circle [^>]*fill="#d62728"/g)).toHaveLength(1);
    const dense = linePlot('loss', 'step', 'NLL', [
      { name: 'a', points: Array.from({ length: 100 }, (_, i) => [i, 5 - i / 50] as [number, number]) },
    ]);
    expect(dense).not.toContain('<circle');
    const bars = groupedBars(
      'load',
      'layer',
      'tokens',
      ['0', '1'],
      ['e0', 'e1', 'e2'],
      [
        [1, 2, 3],
        [3, 2, 1],
      ],
    );
    expect(bars.match(/<rect x="[\d.]+" y="[\d.]+" width/g)!.length).toBe(6 + 3); // bars + legend swatches
  });
});
