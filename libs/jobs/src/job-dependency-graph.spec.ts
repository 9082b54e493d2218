import { findCycle, resolveDependencies } from './job-dependency-graph';

const ID_A = '0b7d0c6e-3f7a-4c1e-9d55-2a4f0e8b9c11';
const ID_B = '7F1C2B3A-0000-4000-8000-00000000000B';

describe('resolveDependencies', () => {
  it('resolves refs to item indexes and other entries to lower-cased job ids, duplicates once', () => {
    const { resolved, problems } = resolveDependencies([
      { ref: 'root' },
      { ref: 'mid', dependsOn: ['root', ID_A, 'root'] },
      { dependsOn: ['mid', 'root', ID_B, ID_B] },
    ]);
    expect(problems).toEqual([]);
    expect(resolved).toEqual([
      { existing: [], siblings: [] },
      { existing: [ID_A], siblings: [0] },
      { existing: [ID_B.toLowerCase()], siblings: [1, 0] },
    ]);
  });

  it('lets a ref win over a job id spelled the same, and allows forward references', () => {
    const { resolved, problems } = resolveDependencies([{ dependsOn: [ID_A] }, { ref: ID_A }]);
    expect(problems).toEqual([]);
    expect(resolved[0]).toEqual({ existing: [], siblings: [1] });
  });

  it('refuses a repeated ref, an unknown ref and a job naming itself, by item and field', () => {
    const { problems } = resolveDependencies([
      { ref: 'x' },
      { ref: 'x' },
      { ref: 'self', dependsOn: ['self'] },
      { dependsOn: ['nope'] },
    ]);
    expect(problems).toEqual([
      { index: 1, field: 'ref', message: 'ref "x" is already the ref of jobs.0' },
      { index: 2, field: 'dependsOn', message: 'a job cannot depend on itself ("self")' },
      {
        index: 3,
        field: 'dependsOn',
        message: '"nope" is not a job id (nor the ref of another job of the batch)',
      },
    ]);
  });

  it('refuses a cycle once, at its first item, with its path; items merely downstream are not blamed', () => {
    const { problems } = resolveDependencies([
      { ref: 'free' },
      { ref: 'tail', dependsOn: ['c'] },
      { ref: 'a', dependsOn: ['c', 'free'] },
      { ref: 'b', dependsOn: ['a'] },
      { ref: 'c', dependsOn: ['b'] },
    ]);
    expect(problems).toEqual([
      { index: 2, field: 'dependsOn', message: 'dependencies form a cycle: a → c → b → a' },
    ]);
  });
});

describe('findCycle', () => {
  it('finds none in a DAG, even a chain of 10,000 (no recursion)', () => {
    const chain = Array.from({ length: 10_000 }, (_, i) => (i === 0 ? [] : [i - 1]));
    expect(findCycle(chain)).toBeNull();
    const diamond = [[1, 2], [3], [3], []];
    expect(findCycle(diamond)).toBeNull();
  });

  it('finds a two-item cycle and a long one', () => {
    expect(findCycle([[1], [0]])).toEqual([0, 1]);
    const ring = Array.from({ length: 600 }, (_, i) => [(i + 1) % 600]);
    expect(findCycle(ring)).toHaveLength(600);
  });
});
