import { loadConfig } from '../load-config';

const load = (env: Record<string, string>) => () => loadConfig(env, ['log']);

describe('log section', () => {
  it('leaves the format to the terminal when nothing is set', () => {
    expect(load({})().log).toEqual({ level: 'info', format: 'auto' });
  });

  it('writes JSON in production unless LOG_FORMAT says otherwise', () => {
    expect(load({ NODE_ENV: 'production' })().log.format).toBe('json');
    expect(load({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' })().log.format).toBe('pretty');
  });

  it('takes LOG_FORMAT over the terminal outside production', () => {
    expect(load({ NODE_ENV: 'development', LOG_FORMAT: 'json' })().log.format).toBe('json');
  });

  it('names LOG_FORMAT and the value when it is neither pretty nor json', () => {
    expect(load({ LOG_FORMAT: 'fancy' })).toThrow(
      'LOG_FORMAT must be one of the following values: pretty, json (got "fancy")',
    );
  });
});
