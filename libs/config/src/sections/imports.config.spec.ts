import { ConfigError } from '../config.error';
import { loadConfig } from '../load-config';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env, ['imports']);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
};

describe('imports section', () => {
  it('allows echo, thumbnail-generation and export children, at most 10000, by default', () => {
    expect(loadConfig({}, ['imports']).imports).toEqual({
      childTypes: ['echo', 'thumbnail-generation', 'export'],
      maxChildren: 10_000,
    });
  });

  it('reads a list with spaces and its own cap', () => {
    expect(
      loadConfig({ BULK_IMPORT_CHILD_TYPES: ' echo , export', BULK_IMPORT_MAX_CHILDREN: '50' }, [
        'imports',
      ]).imports,
    ).toEqual({ childTypes: ['echo', 'export'], maxChildren: 50 });
  });

  it('refuses bulk-import and cleanup-jobs as children, naming them', () => {
    expect(problemsOf({ BULK_IMPORT_CHILD_TYPES: 'echo,bulk-import,cleanup-jobs' })).toEqual([
      'BULK_IMPORT_CHILD_TYPES must not list bulk-import, cleanup-jobs: an import may not create imports or clean-ups',
    ]);
  });

  it.each([
    ['BULK_IMPORT_CHILD_TYPES', 'Echo'],
    ['BULK_IMPORT_MAX_CHILDREN', '0'],
    ['BULK_IMPORT_MAX_CHILDREN', 'many'],
  ])('rejects %s=%s with a message naming it', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
  });
});
